import type { Change, Windowed } from '../record.ts'
import { Serdes, type Serde } from '@oxagry/kafka'
import type { SessionStore, StoreSpec, WindowStore } from '../state/store.ts'
import type { TopicRef } from '../topology/nodes.ts'
import { changeSerde } from '../windowed-serdes.ts'
import type { BuilderContext } from './builder-context.ts'
import { CogroupedKStream, type CogroupPattern } from './cogroup.ts'
import { EmitStrategy } from './emit-strategy.ts'
import type { StreamState } from './kstream.ts'
import { KTable, windowedKeySerde, type WindowInfo } from './ktable.ts'
import { OldValues } from './old-values.ts'
import type { Materialized } from './options.ts'
import {
  sessionAggregate,
  slidingAggregate,
  streamAggregate,
  tableAggregate,
  windowAggregate,
  type Aggregator,
  type Initializer,
  type Merger,
} from './processors.ts'
import {
  sessionWindowCloseEmitter,
  slidingWindowCloseEmitter,
  timeWindowCloseEmitter,
} from './window-close-emitter.ts'
import type { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

export type Reducer<V> = (aggregate: V, value: V) => V

interface AggregateInput {
  readonly node: string
  readonly sourceTopics: readonly TopicRef[]
}

/** Repartitions a grouped stream whose key changed, naming the topic after the aggregation. */
function groupedInput<K, V>(ctx: BuilderContext, state: StreamState<K, V>, baseName: string): AggregateInput {
  if (!state.repartitionRequired) return { node: state.node, sourceTopics: state.sourceTopics }
  const { source, topic } = ctx.repartition(state.node, baseName, {
    keySerde: state.keySerde as Serde<unknown> | undefined,
    valueSerde: state.valueSerde as Serde<unknown> | undefined,
  })
  return { node: source, sourceTopics: [topic] }
}

function tableFrom<K, A>(
  ctx: BuilderContext,
  node: string,
  store: StoreSpec,
  sourceTopics: readonly TopicRef[],
  windowed?: WindowInfo,
): KTable<K, A> {
  return KTable.create<K, A>(ctx, {
    node,
    storeName: store.name,
    sourceTopics,
    oldValues: OldValues.aggregate(),
    ...(store.keySerde === undefined ? {} : { keySerde: store.keySerde as Serde<K> }),
    ...(store.valueSerde === undefined ? {} : { valueSerde: store.valueSerde as Serde<A> }),
    ...(windowed === undefined ? {} : { windowed }),
  })
}

/** count() as an aggregation: 0, plus one per record, stored as a long unless told otherwise. */
const countFrom = (): number => 0
const countOne = (_k: unknown, _v: unknown, n: number): number => n + 1
function countMaterialized<K>(materialized: Materialized<K, number> | undefined): Materialized<K, number> {
  return { valueSerde: Serdes.Long(), ...materialized }
}

/** reduce() as an aggregation: no aggregate until the first value, which becomes it. */
const reduceFrom = (): null => null
function reduceWith<K, V>(reducer: Reducer<V>): Aggregator<K, V, V | null> {
  return (_k, v, agg) => (agg === null ? v : reducer(agg, v))
}
function reduceMaterialized<K, V>(
  materialized: Materialized<K, V> | undefined,
  streamSerde: Serde<V> | undefined,
): Materialized<K, V | null> {
  const valueSerde = materialized?.valueSerde ?? streamSerde
  return {
    ...materialized,
    ...(valueSerde === undefined ? {} : { valueSerde: valueSerde as Serde<V | null> }),
  }
}

/** A stream grouped by key, ready to aggregate, as Kafka Streams' KGroupedStream. */
export class KGroupedStream<K, V> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly state: StreamState<K, V>,
    private readonly repartitionName?: string,
  ) {}

  aggregate<A>(
    initializer: Initializer<A>,
    aggregator: Aggregator<K, V, A>,
    materialized?: Materialized<K, A>,
  ): KTable<K, A> {
    const name = this.ctx.newName('KSTREAM-AGGREGATE-')
    const store = this.ctx.storeSpec(
      'keyValue',
      materialized,
      this.ctx.newName('KSTREAM-AGGREGATE-STATE-STORE-'),
      {
        keySerde: this.state.keySerde as Serde<unknown> | undefined,
        valueSerde: materialized?.valueSerde as Serde<unknown> | undefined,
      },
    )
    const input = groupedInput(this.ctx, this.state, this.repartitionName ?? store.name)
    this.ctx.topology.addProcessor(name, streamAggregate(store.name, initializer, aggregator), input.node)
    this.ctx.topology.addStateStore(store, name)
    return tableFrom(this.ctx, name, store, input.sourceTopics)
  }

  count(materialized?: Materialized<K, number>): KTable<K, number> {
    return this.aggregate(countFrom, countOne, countMaterialized(materialized))
  }

  /**
   * Starts a cogroup (KIP-150): this stream and others grouped by the same key, each with its own
   * aggregator, fold into one aggregate per key; `aggregate(initializer)` gives the table.
   */
  cogroup<A>(aggregator: Aggregator<K, V, A>): CogroupedKStream<K, A> {
    return new CogroupedKStream<K, A>(this.ctx, [this.cogroupPattern(aggregator)])
  }

  /** This grouped stream as one input of a cogroup. */
  cogroupPattern<A>(aggregator: Aggregator<K, V, A>): CogroupPattern<K, A> {
    return {
      state: this.state as StreamState<K, unknown>,
      aggregator: aggregator as Aggregator<K, unknown, A>,
      ...(this.repartitionName === undefined ? {} : { repartitionName: this.repartitionName }),
    }
  }

  /** Combines values with the reducer; the first value of a key is its first aggregate. */
  reduce(reducer: Reducer<V>, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.aggregate<V | null>(
      reduceFrom,
      reduceWith(reducer),
      reduceMaterialized(materialized, this.state.valueSerde),
    ) as KTable<K, V>
  }

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(
    windows: TimeWindows | SlidingWindows | SessionWindows,
  ): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    return windows.kind === 'session'
      ? new SessionWindowedKStream(this.ctx, this.state, windows, this.repartitionName)
      : new TimeWindowedKStream(this.ctx, this.state, windows, this.repartitionName)
  }
}

/** The key serde a window-close emitter orders by: Kafka's stores order a time range by key bytes. */
function closeKeySerde<K>(ctx: BuilderContext, state: StreamState<K, unknown>, node: string): Serde<unknown> {
  return ctx.requireSerde(
    state.keySerde as Serde<unknown> | undefined,
    'key',
    node,
    'set Grouped.keySerde or read the topic with a key serde (final results are emitted in key-byte order)',
  )
}

/** A grouped stream in tumbling, hopping or sliding windows. */
export class TimeWindowedKStream<K, V> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly state: StreamState<K, V>,
    private readonly windows: TimeWindows | SlidingWindows,
    private readonly repartitionName?: string,
    private readonly emit: EmitStrategy = EmitStrategy.onWindowUpdate(),
  ) {}

  /** When results are emitted: on every update (the default), or once per window when it closes (KIP-825). */
  emitStrategy(strategy: EmitStrategy): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStream(this.ctx, this.state, this.windows, this.repartitionName, strategy)
  }

  aggregate<A>(
    initializer: Initializer<A>,
    aggregator: Aggregator<K, V, A>,
    materialized?: Materialized<K, A>,
  ): KTable<Windowed<K>, A> {
    const w = this.windows
    const size = w.kind === 'time' ? w.sizeMs : w.timeDifferenceMs
    const name = this.ctx.newName('KSTREAM-AGGREGATE-')
    const store = this.ctx.storeSpec(
      'window',
      materialized,
      this.ctx.newName('KSTREAM-AGGREGATE-STATE-STORE-'),
      {
        keySerde: this.state.keySerde as Serde<unknown> | undefined,
        valueSerde: materialized?.valueSerde as Serde<unknown> | undefined,
      },
      size + w.graceMs + (w.kind === 'sliding' ? size : 0),
    )
    const input = groupedInput(this.ctx, this.state, this.repartitionName ?? store.name)
    const keySerde =
      this.emit.type === 'onWindowClose' ? closeKeySerde(this.ctx, this.state, name) : undefined
    if (w.kind === 'time') {
      const onClose =
        keySerde === undefined
          ? undefined
          : (s: () => WindowStore<unknown, A>) => timeWindowCloseEmitter(store.name, w, keySerde, s)
      this.ctx.topology.addProcessor(
        name,
        windowAggregate(store.name, w, initializer, aggregator, onClose),
        input.node,
      )
      this.ctx.topology.addStateStore(store, name)
    } else {
      const onClose =
        keySerde === undefined
          ? undefined
          : (s: () => WindowStore<unknown, A>) => slidingWindowCloseEmitter(store.name, w, keySerde, s)
      this.ctx.topology.addProcessor(
        name,
        slidingAggregate(store.name, w, initializer, aggregator, onClose),
        input.node,
      )
      this.ctx.topology.addStateStore(store, name)
    }
    const info: WindowInfo = { kind: 'time', sizeMs: size, graceMs: w.graceMs }
    const table = tableFrom<K, A>(this.ctx, name, store, input.sourceTopics)
    const windowedSerde = windowedKeySerde(
      this.state.keySerde ?? (this.ctx.defaultKeySerde as Serde<K> | undefined),
      info,
    )
    return KTable.create<Windowed<K>, A>(this.ctx, {
      node: name,
      storeName: store.name,
      sourceTopics: input.sourceTopics,
      windowed: info,
      oldValues: OldValues.aggregate(),
      ...(windowedSerde === undefined ? {} : { keySerde: windowedSerde }),
      ...(table.state.valueSerde === undefined ? {} : { valueSerde: table.state.valueSerde }),
    })
  }

  count(materialized?: Materialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregate(countFrom, countOne, countMaterialized(materialized))
  }

  reduce(reducer: Reducer<V>, materialized?: Materialized<K, V>): KTable<Windowed<K>, V> {
    return this.aggregate<V | null>(
      reduceFrom,
      reduceWith(reducer),
      reduceMaterialized(materialized, this.state.valueSerde),
    ) as KTable<Windowed<K>, V>
  }
}

/** A grouped stream in session windows. */
export class SessionWindowedKStream<K, V> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly state: StreamState<K, V>,
    private readonly windows: SessionWindows,
    private readonly repartitionName?: string,
    private readonly emit: EmitStrategy = EmitStrategy.onWindowUpdate(),
  ) {}

  /** When results are emitted: on every update (the default), or once per session when it closes (KIP-825). */
  emitStrategy(strategy: EmitStrategy): SessionWindowedKStream<K, V> {
    return new SessionWindowedKStream(this.ctx, this.state, this.windows, this.repartitionName, strategy)
  }

  aggregate<A>(
    initializer: Initializer<A>,
    aggregator: Aggregator<K, V, A>,
    merger: Merger<K, A>,
    materialized?: Materialized<K, A>,
  ): KTable<Windowed<K>, A> {
    const name = this.ctx.newName('KSTREAM-AGGREGATE-')
    const store = this.ctx.storeSpec(
      'session',
      materialized,
      this.ctx.newName('KSTREAM-AGGREGATE-STATE-STORE-'),
      {
        keySerde: this.state.keySerde as Serde<unknown> | undefined,
        valueSerde: materialized?.valueSerde as Serde<unknown> | undefined,
      },
      this.windows.inactivityGapMs + this.windows.graceMs,
    )
    const input = groupedInput(this.ctx, this.state, this.repartitionName ?? store.name)
    const keySerde =
      this.emit.type === 'onWindowClose' ? closeKeySerde(this.ctx, this.state, name) : undefined
    const onClose =
      keySerde === undefined
        ? undefined
        : (s: () => SessionStore<unknown, A>) => sessionWindowCloseEmitter(store.name, keySerde, s)
    this.ctx.topology.addProcessor(
      name,
      sessionAggregate(store.name, this.windows, initializer, aggregator, merger, onClose),
      input.node,
    )
    this.ctx.topology.addStateStore(store, name)
    // Suppression waits as long as the aggregation may still change a session: end + gap + grace.
    const info: WindowInfo = { kind: 'session', graceMs: this.windows.inactivityGapMs + this.windows.graceMs }
    const windowedSerde = windowedKeySerde(
      this.state.keySerde ?? (this.ctx.defaultKeySerde as Serde<K> | undefined),
      info,
    )
    return KTable.create<Windowed<K>, A>(this.ctx, {
      node: name,
      storeName: store.name,
      sourceTopics: input.sourceTopics,
      windowed: info,
      oldValues: OldValues.aggregate(),
      ...(windowedSerde === undefined ? {} : { keySerde: windowedSerde }),
      ...(store.valueSerde === undefined ? {} : { valueSerde: store.valueSerde as Serde<A> }),
    })
  }

  count(materialized?: Materialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregate(countFrom, countOne, (_k, a, b) => a + b, countMaterialized(materialized))
  }

  reduce(reducer: Reducer<V>, materialized?: Materialized<K, V>): KTable<Windowed<K>, V> {
    return this.aggregate<V | null>(
      reduceFrom,
      reduceWith(reducer),
      (_k, a, b) => (a === null ? b : b === null ? a : reducer(a, b)),
      reduceMaterialized(materialized, this.state.valueSerde),
    ) as KTable<Windowed<K>, V>
  }
}

export interface GroupedTableState<K, V> {
  readonly node: string
  readonly sourceTopics: readonly TopicRef[]
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly name?: string
}

/** A re-keyed table, ready to aggregate with an adder and a subtractor. */
export class KGroupedTable<K, V> {
  constructor(
    private readonly ctx: BuilderContext,
    private readonly state: GroupedTableState<K, V>,
  ) {}

  aggregate<A>(
    initializer: Initializer<A>,
    adder: Aggregator<K, V, A>,
    subtractor: Aggregator<K, V, A>,
    materialized?: Materialized<K, A>,
  ): KTable<K, A> {
    const name = this.ctx.newName('KTABLE-AGGREGATE-')
    const store = this.ctx.storeSpec(
      'keyValue',
      materialized,
      this.ctx.newName('KTABLE-AGGREGATE-STATE-STORE-'),
      {
        keySerde: this.state.keySerde as Serde<unknown> | undefined,
        valueSerde: materialized?.valueSerde as Serde<unknown> | undefined,
      },
    )
    const { source, topic } = this.ctx.repartition(this.state.node, this.state.name ?? store.name, {
      keySerde: this.state.keySerde as Serde<unknown> | undefined,
      valueSerde: changeSerde(
        this.ctx.requireSerde(
          this.state.valueSerde,
          'value',
          this.state.node,
          'set Grouped.valueSerde on groupBy',
        ),
      ) as Serde<unknown>,
    })
    this.ctx.topology.addProcessor(
      name,
      tableAggregate<K, V, A>(store.name, initializer, adder, subtractor),
      source,
    )
    this.ctx.topology.addStateStore(store, name)
    return tableFrom(this.ctx, name, store, [topic])
  }

  count(materialized?: Materialized<K, number>): KTable<K, number> {
    return this.aggregate(countFrom, countOne, (_k, _v, n) => n - 1, countMaterialized(materialized))
  }

  reduce(adder: Reducer<V>, subtractor: Reducer<V>, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.aggregate<V | null>(
      reduceFrom,
      reduceWith(adder),
      (_k, v, agg) => (agg === null ? null : subtractor(agg, v)),
      reduceMaterialized(materialized, this.state.valueSerde),
    ) as KTable<K, V>
  }
}

export type { Change }
