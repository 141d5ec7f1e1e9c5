import type { Serde } from '@oxagry/kafka'
import type { ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { Change, StreamRecord, Windowed } from '../record.ts'
import type { StoreKind, StoreSpec } from '../state/store.ts'
import type { TopicRef } from '../topology/nodes.ts'
import type { BuilderContext } from './builder-context.ts'
import type { StreamState } from './kstream.ts'
import { KTable, windowedKeySerde, type WindowInfo } from './ktable.ts'
import { OldValues } from './old-values.ts'
import type { Materialized, Named } from './options.ts'
import {
  sessionAggregate,
  slidingAggregate,
  streamAggregate,
  windowAggregate,
  type Aggregator,
  type Initializer,
  type Merger,
} from './processors.ts'
import type { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

/** One grouped stream of a cogroup and the aggregator that folds its values in. */
export interface CogroupPattern<K, A> {
  readonly state: StreamState<K, unknown>
  readonly repartitionName?: string
  readonly aggregator: Aggregator<K, unknown, A>
}

type AggregateProcessor<K, A> = (
  storeName: string,
  aggregator: Aggregator<K, unknown, A>,
) => ProcessorSupplier<K, unknown, unknown, Change<A>>

/**
 * Builds a cogrouped aggregation as Kafka Streams' CogroupedStreamAggregateBuilder does: each grouped
 * stream (repartitioned if its key changed) gets its own aggregate processor, all writing one store with
 * the one initializer, and a pass-through merge node unites their updates into the table.
 */
function buildCogroup<K, A, KOut>(
  ctx: BuilderContext,
  patterns: readonly CogroupPattern<K, A>[],
  kind: StoreKind,
  materialized: Materialized<K, A> | undefined,
  named: Named | undefined,
  retentionMs: number | undefined,
  processor: AggregateProcessor<K, A>,
): { node: string; store: StoreSpec; sourceTopics: readonly TopicRef[]; keySerde?: Serde<K> } {
  const first = patterns[0] as CogroupPattern<K, A>
  const keySerde = first.state.keySerde
  const store = ctx.storeSpec(
    kind,
    materialized,
    ctx.newName('COGROUPKSTREAM-AGGREGATE-STATE-STORE-'),
    {
      keySerde: keySerde as Serde<unknown> | undefined,
      valueSerde: materialized?.valueSerde as Serde<unknown> | undefined,
    },
    retentionMs,
  )
  const unnamed = patterns.filter(
    (p) => p.state.repartitionRequired && p.repartitionName === undefined,
  ).length
  let unnamedIndex = 0
  const inputs = patterns.map((p) => {
    if (!p.state.repartitionRequired) return { node: p.state.node, sourceTopics: p.state.sourceTopics }
    // Two unnamed re-keyed streams would share the store's name for their topics: number them apart.
    const base = p.repartitionName ?? (unnamed > 1 ? `${store.name}-${unnamedIndex++}` : store.name)
    const { source, topic } = ctx.repartition(p.state.node, base, {
      keySerde: p.state.keySerde as Serde<unknown> | undefined,
      valueSerde: p.state.valueSerde as Serde<unknown> | undefined,
    })
    return { node: source, sourceTopics: [topic] }
  })
  const aggregates = patterns.map((p, i) => {
    const name =
      named?.name === undefined ? ctx.newName('COGROUPKSTREAM-AGGREGATE-') : `${named.name}-cogroup-agg-${i}`
    ctx.topology.addProcessor(name, processor(store.name, p.aggregator), (inputs[i] as { node: string }).node)
    return name
  })
  ctx.topology.addStateStore(store, ...aggregates)
  const merge =
    named?.name === undefined ? ctx.newName('COGROUPKSTREAM-MERGE-') : `${named.name}-cogroup-merge`
  const passThrough: ProcessorSupplier<KOut, Change<A>, KOut, Change<A>> = () => {
    let context: ProcessorContext<KOut, Change<A>>
    return {
      init(c) {
        context = c
      },
      process(record: StreamRecord<KOut, Change<A>>) {
        context.forward(record)
      },
    }
  }
  ctx.topology.addProcessor(merge, passThrough, ...aggregates)
  const sourceTopics = inputs.flatMap((i) => i.sourceTopics)
  ctx.topology.requireCopartitioned(merge, sourceTopics)
  return { node: merge, store, sourceTopics, ...(keySerde === undefined ? {} : { keySerde }) }
}

/**
 * Several grouped streams of one key aggregated into one table, each with its own aggregator, as
 * Kafka Streams' CogroupedKStream (KIP-150).
 */
export class CogroupedKStream<K, A> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly patterns: readonly CogroupPattern<K, A>[],
  ) {}

  /** Adds a grouped stream and the aggregator that folds its values into the shared aggregate. */
  cogroup<V>(
    grouped: { readonly cogroupPattern: <B>(aggregator: Aggregator<K, V, B>) => CogroupPattern<K, B> },
    aggregator: Aggregator<K, V, A>,
  ): CogroupedKStream<K, A> {
    return new CogroupedKStream(this.ctx, [...this.patterns, grouped.cogroupPattern(aggregator)])
  }

  aggregate(initializer: Initializer<A>, materialized?: Materialized<K, A>, named?: Named): KTable<K, A> {
    const built = buildCogroup<K, A, K>(
      this.ctx,
      this.patterns,
      'keyValue',
      materialized,
      named,
      undefined,
      (store, aggregator) => streamAggregate(store, initializer, aggregator) as never,
    )
    return KTable.create<K, A>(this.ctx, {
      node: built.node,
      storeName: built.store.name,
      sourceTopics: built.sourceTopics,
      oldValues: OldValues.aggregate(),
      ...(built.keySerde === undefined ? {} : { keySerde: built.keySerde }),
      ...(built.store.valueSerde === undefined ? {} : { valueSerde: built.store.valueSerde as Serde<A> }),
    })
  }

  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedCogroupedKStream<K, A>
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, A>
  windowedBy(
    windows: TimeWindows | SlidingWindows | SessionWindows,
  ): TimeWindowedCogroupedKStream<K, A> | SessionWindowedCogroupedKStream<K, A> {
    return windows.kind === 'session'
      ? new SessionWindowedCogroupedKStream(this.ctx, this.patterns, windows)
      : new TimeWindowedCogroupedKStream(this.ctx, this.patterns, windows)
  }
}

function windowedTable<K, A>(
  ctx: BuilderContext,
  built: ReturnType<typeof buildCogroup<K, A, Windowed<K>>>,
  info: WindowInfo,
): KTable<Windowed<K>, A> {
  const keySerde = windowedKeySerde(built.keySerde ?? (ctx.defaultKeySerde as Serde<K> | undefined), info)
  return KTable.create<Windowed<K>, A>(ctx, {
    node: built.node,
    storeName: built.store.name,
    sourceTopics: built.sourceTopics,
    windowed: info,
    oldValues: OldValues.aggregate(),
    ...(keySerde === undefined ? {} : { keySerde }),
    ...(built.store.valueSerde === undefined ? {} : { valueSerde: built.store.valueSerde as Serde<A> }),
  })
}

/** A cogroup in tumbling, hopping or sliding windows: each aggregate processor keeps its own stream time, as Kafka's. */
export class TimeWindowedCogroupedKStream<K, A> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly patterns: readonly CogroupPattern<K, A>[],
    private readonly windows: TimeWindows | SlidingWindows,
  ) {}

  aggregate(
    initializer: Initializer<A>,
    materialized?: Materialized<K, A>,
    named?: Named,
  ): KTable<Windowed<K>, A> {
    const w = this.windows
    const size = w.kind === 'time' ? w.sizeMs : w.timeDifferenceMs
    const built = buildCogroup<K, A, Windowed<K>>(
      this.ctx,
      this.patterns,
      'window',
      materialized,
      named,
      size + w.graceMs + (w.kind === 'sliding' ? size : 0),
      (store, aggregator) =>
        (w.kind === 'time'
          ? windowAggregate(store, w, initializer, aggregator)
          : slidingAggregate(store, w, initializer, aggregator)) as never,
    )
    return windowedTable(this.ctx, built, { kind: 'time', sizeMs: size, graceMs: w.graceMs })
  }
}

/** A cogroup in session windows; merging sessions takes the merger. */
export class SessionWindowedCogroupedKStream<K, A> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly patterns: readonly CogroupPattern<K, A>[],
    private readonly windows: SessionWindows,
  ) {}

  aggregate(
    initializer: Initializer<A>,
    merger: Merger<K, A>,
    materialized?: Materialized<K, A>,
    named?: Named,
  ): KTable<Windowed<K>, A> {
    const w = this.windows
    const built = buildCogroup<K, A, Windowed<K>>(
      this.ctx,
      this.patterns,
      'session',
      materialized,
      named,
      w.inactivityGapMs + w.graceMs,
      (store, aggregator) => sessionAggregate(store, w, initializer, aggregator, merger) as never,
    )
    return windowedTable(this.ctx, built, { kind: 'session', graceMs: w.inactivityGapMs + w.graceMs })
  }
}
