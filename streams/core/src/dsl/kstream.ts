import { TopologyError } from '../errors.ts'
import type {
  FixedKeyProcessorSupplier,
  Processor,
  ProcessorContext,
  ProcessorSupplier,
} from '../processor/api.ts'
import { fixedKeyProcessor } from './process-values.ts'
import type { KeyValue, StreamRecord } from '../record.ts'
import { isTopicDescriptor, type Serde, type TopicSink } from '@oxagry/kafka'
import { storeNameOf, type KeyValueStore, type StoreHandle } from '../state/store.ts'
import type { TopicNameExtractor, TopicRef } from '../topology/nodes.ts'
import type { BuilderContext } from './builder-context.ts'
import { KGroupedStream } from './grouped.ts'
import type { GlobalKTable, KTable } from './ktable.ts'
import { bindGetter, KTable as KTableImpl, type Lookup } from './ktable.ts'
import type {
  Grouped,
  Joined,
  Materialized,
  Named,
  Produced,
  ProducedTo,
  Repartitioned,
  StreamJoined,
} from './options.ts'
import { StreamJoinKind, streamStreamJoin, type ValueJoinerWithKey } from './stream-join.ts'
import type { JoinWindows } from './windows.ts'
import { OldValues } from './old-values.ts'
import { tableSource } from './processors.ts'

export type Predicate<K, V> = (key: K, value: V) => boolean
/** A predicate that narrows the value: `filter` and `split().branch` type what passes by it. */
export type ValueGuard<K, V, W extends V> = (key: K, value: V) => value is W
export type ValueJoiner<V, VT, R> = (value: V, tableValue: VT) => R
export type { ValueJoinerWithKey } from './stream-join.ts'

/** Where a stream stands in the topology, and what it knows of its serdes and partitioning. */
export interface StreamState<K, V> {
  readonly node: string
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  /** The key changed since the last read from a topic: grouping or joining must repartition first. */
  readonly repartitionRequired: boolean
  /** The topics this stream's partitioning comes from, for co-partitioning checks. */
  readonly sourceTopics: readonly TopicRef[]
}

function simple<KIn, VIn, KOut, VOut>(
  process: (record: StreamRecord<KIn, VIn>, context: ProcessorContext<KOut, VOut>) => void,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let context: ProcessorContext<KOut, VOut>
    return {
      init(c) {
        context = c
      },
      process(record) {
        process(record, context)
      },
    }
  }
}

/** An unbounded stream of records, as Kafka Streams' KStream. */
export class KStream<K, V> {
  constructor(
    protected readonly ctx: BuilderContext,
    readonly state: StreamState<K, V>,
  ) {}

  private next<K2, V2>(
    prefix: string,
    supplier: ProcessorSupplier<K, V, K2, V2>,
    changes: { keyChanged?: boolean; valueChanged?: boolean },
    named?: Named,
  ): KStream<K2, V2> {
    const node = this.ctx.addProcessor(prefix, supplier, [this.state.node], named?.name)
    const keyChanged = changes.keyChanged === true
    return new KStream<K2, V2>(this.ctx, {
      node,
      sourceTopics: this.state.sourceTopics,
      repartitionRequired: this.state.repartitionRequired || keyChanged,
      ...(keyChanged || this.state.keySerde === undefined
        ? {}
        : { keySerde: this.state.keySerde as unknown as Serde<K2> }),
      ...(changes.valueChanged === true || this.state.valueSerde === undefined
        ? {}
        : { valueSerde: this.state.valueSerde as unknown as Serde<V2> }),
    })
  }

  /** Keeps the records a guard accepts, typed as the guard narrows them. */
  filter<W extends V>(guard: ValueGuard<K, V, W>, named?: Named): KStream<K, W>
  filter(predicate: Predicate<K, V>, named?: Named): KStream<K, V>
  filter(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.next<K, V>(
      'KSTREAM-FILTER-',
      simple((r, c) => {
        if (predicate(r.key, r.value)) c.forward(r)
      }),
      {},
      named,
    )
  }

  /** Drops the records a guard accepts: what is left is typed without them. */
  filterNot<W extends V>(guard: ValueGuard<K, V, W>, named?: Named): KStream<K, Exclude<V, W>>
  filterNot(predicate: Predicate<K, V>, named?: Named): KStream<K, V>
  filterNot<W extends V>(
    predicate: Predicate<K, V>,
    named?: Named,
  ): KStream<K, V> | KStream<K, Exclude<V, W>> {
    return this.next<K, Exclude<V, W>>(
      'KSTREAM-FILTER-',
      simple((r, c) => {
        if (!predicate(r.key, r.value)) c.forward(r as StreamRecord<K, Exclude<V, W>>)
      }),
      {},
      named,
    )
  }

  map<K2, V2>(mapper: (key: K, value: V) => KeyValue<K2, V2>, named?: Named): KStream<K2, V2> {
    return this.next<K2, V2>(
      'KSTREAM-MAP-',
      simple((r, c) => {
        const kv = mapper(r.key, r.value)
        c.forward({ ...r, key: kv.key, value: kv.value })
      }),
      { keyChanged: true, valueChanged: true },
      named,
    )
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, named?: Named): KStream<K, V2> {
    return this.next<K, V2>(
      'KSTREAM-MAPVALUES-',
      simple((r, c) => c.forward({ ...r, value: mapper(r.value, r.key) })),
      { valueChanged: true },
      named,
    )
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<KeyValue<K2, V2>>, named?: Named): KStream<K2, V2> {
    return this.next<K2, V2>(
      'KSTREAM-FLATMAP-',
      simple((r, c) => {
        for (const kv of mapper(r.key, r.value)) c.forward({ ...r, key: kv.key, value: kv.value })
      }),
      { keyChanged: true, valueChanged: true },
      named,
    )
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, named?: Named): KStream<K, V2> {
    return this.next<K, V2>(
      'KSTREAM-FLATMAPVALUES-',
      simple((r, c) => {
        for (const value of mapper(r.value, r.key)) c.forward({ ...r, value })
      }),
      { valueChanged: true },
      named,
    )
  }

  selectKey<K2>(selector: (key: K, value: V) => K2, named?: Named): KStream<K2, V> {
    return this.next<K2, V>(
      'KSTREAM-KEY-SELECT-',
      simple((r, c) => c.forward({ ...r, key: selector(r.key, r.value) })),
      { keyChanged: true },
      named,
    )
  }

  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.next<K, V>(
      'KSTREAM-PEEK-',
      simple((r, c) => {
        action(r.key, r.value)
        c.forward(r)
      }),
      {},
      named,
    )
  }

  /** A terminal operation: runs the action for every record. */
  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.ctx.addProcessor(
      'KSTREAM-FOREACH-',
      simple<K, V, never, never>((r) => action(r.key, r.value)),
      [this.state.node],
      named?.name,
    )
  }

  /** Splits the stream by predicates: each record goes to the first branch it matches. */
  split<const P extends string = string>(named?: { readonly name?: P }): BranchedKStream<K, V, P> {
    return new BranchedKStream(this.ctx, this.state, named?.name ?? this.ctx.newName('KSTREAM-BRANCH-'))
  }

  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const node = this.ctx.addProcessor(
      'KSTREAM-MERGE-',
      simple<K, V, K, V>((r, c) => c.forward(r)),
      [this.state.node, other.state.node],
      named?.name,
    )
    const sameKeySerde = this.state.keySerde === other.state.keySerde ? this.state.keySerde : undefined
    const sameValueSerde =
      this.state.valueSerde === other.state.valueSerde ? this.state.valueSerde : undefined
    return new KStream(this.ctx, {
      node,
      repartitionRequired: this.state.repartitionRequired || other.state.repartitionRequired,
      sourceTopics: [...this.state.sourceTopics, ...other.state.sourceTopics],
      ...(sameKeySerde === undefined ? {} : { keySerde: sameKeySerde }),
      ...(sameValueSerde === undefined ? {} : { valueSerde: sameValueSerde }),
    })
  }

  /**
   * Writes the stream to a topic described by its serdes: the topic's value type must take the stream's
   * (a null value is a tombstone, written without the serde).
   */
  to(topic: TopicSink<K, NonNullable<V>>, produced?: ProducedTo<K, V>): void
  /** Writes the stream to a topic, or to the topic an extractor picks per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced?: Produced<K, V>): void
  to(
    target: string | TopicNameExtractor<K, V> | TopicSink<K, NonNullable<V>>,
    options: Produced<K, V> = {},
  ): void {
    const sink = isTopicDescriptor(target) ? (target as unknown as TopicSink<K, NonNullable<V>>) : undefined
    const produced: Produced<K, V> =
      sink === undefined
        ? options
        : { ...options, keySerde: sink.keySerde as Serde<K>, valueSerde: sink.valueSerde as Serde<V> }
    const topic = sink === undefined ? (target as string | TopicNameExtractor<K, V>) : sink.name
    const keySerde = (produced.keySerde ?? this.state.keySerde) as Serde<unknown> | undefined
    const valueSerde = (produced.valueSerde ?? this.state.valueSerde) as Serde<unknown> | undefined
    this.ctx.topology.addSink(
      produced.name ?? this.ctx.newName('KSTREAM-SINK-'),
      topic as string | TopicNameExtractor,
      {
        ...(keySerde === undefined ? {} : { keySerde }),
        ...(valueSerde === undefined ? {} : { valueSerde }),
        ...(produced.partitioner === undefined
          ? {}
          : {
              partitioner: produced.partitioner as (
                t: string,
                k: unknown,
                v: unknown,
                n: number,
              ) => number | undefined,
            }),
      },
      this.state.node,
    )
  }

  /** Sends the stream through an internal topic, partitioned by its current key. */
  repartition(repartitioned: Repartitioned<K, V> = {}): KStream<K, V> {
    const keySerde = repartitioned.keySerde ?? this.state.keySerde
    const valueSerde = repartitioned.valueSerde ?? this.state.valueSerde
    const base = repartitioned.name ?? this.ctx.newName('KSTREAM-REPARTITION-')
    const { source, topic } = this.ctx.repartition(
      this.state.node,
      base,
      {
        keySerde: keySerde as Serde<unknown> | undefined,
        valueSerde: valueSerde as Serde<unknown> | undefined,
      },
      repartitioned.numberOfPartitions,
    )
    return new KStream(this.ctx, {
      node: source,
      repartitionRequired: false,
      sourceTopics: [topic],
      ...(keySerde === undefined ? {} : { keySerde }),
      ...(valueSerde === undefined ? {} : { valueSerde }),
    })
  }

  /** The stream as a changelog: each record is the latest value of its key; a null value deletes it. */
  toTable(materialized?: Materialized<K, V>, named?: Named): KTable<K, V> {
    const input = this.state.repartitionRequired ? this.repartition() : this
    const name = named?.name ?? this.ctx.newName('KSTREAM-TOTABLE-')
    const store = this.ctx.storeSpec('keyValue', materialized, `${name}-STATE-STORE`, {
      keySerde: input.state.keySerde as Serde<unknown> | undefined,
      valueSerde: input.state.valueSerde as Serde<unknown> | undefined,
    })
    this.ctx.topology.addProcessor(name, tableSource<K, V>(store.name), input.state.node)
    this.ctx.topology.addStateStore(store, name)
    return KTableImpl.create<K, V>(this.ctx, {
      node: name,
      storeName: store.name,
      sourceTopics: input.state.sourceTopics,
      oldValues: OldValues.source(materialized?.storeName !== undefined),
      ...(store.keySerde === undefined ? {} : { keySerde: store.keySerde as Serde<K> }),
      ...(store.valueSerde === undefined ? {} : { valueSerde: store.valueSerde as Serde<V> }),
    })
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream(this.ctx, this.withSerdes(grouped), grouped.name)
  }

  /** Groups by a new key; the records go through a repartition topic keyed by it. */
  groupBy<K2>(selector: (key: K, value: V) => K2, grouped: Grouped<K2, V> = {}): KGroupedStream<K2, V> {
    const rekeyed = this.selectKey(selector)
    return new KGroupedStream(rekeyed.ctx, rekeyed.withSerdes(grouped), grouped.name)
  }

  private withSerdes<K2, V2>(grouped: Grouped<K2, V2>): StreamState<K2, V2> {
    const keySerde = grouped.keySerde ?? (this.state.keySerde as unknown as Serde<K2> | undefined)
    const valueSerde = grouped.valueSerde ?? (this.state.valueSerde as unknown as Serde<V2> | undefined)
    return {
      node: this.state.node,
      repartitionRequired: this.state.repartitionRequired,
      sourceTopics: this.state.sourceTopics,
      ...(keySerde === undefined ? {} : { keySerde }),
      ...(valueSerde === undefined ? {} : { valueSerde }),
    }
  }

  /** Runs a custom processor (the processor API) connected to the stores, given by name or spec. */
  process<K2, V2>(
    supplier: ProcessorSupplier<K, V, K2, V2>,
    ...stores: (string | StoreHandle)[]
  ): KStream<K2, V2> {
    const node = this.ctx.addProcessor('KSTREAM-PROCESSOR-', supplier, [this.state.node])
    this.ctx.topology.connectProcessorAndStateStores(...stores.map((s) => [node, storeNameOf(s)] as const))
    return new KStream<K2, V2>(this.ctx, {
      node,
      repartitionRequired: this.state.repartitionRequired,
      sourceTopics: this.state.sourceTopics,
    })
  }

  /**
   * Runs a fixed-key processor (KIP-820) on every record: it may change values, timestamps and headers
   * and read or write the named stores, but not the key, so the stream needs no repartition after it.
   */
  processValues<VR>(
    supplier: FixedKeyProcessorSupplier<K, V, VR>,
    ...stores: (string | StoreHandle)[]
  ): KStream<K, VR>
  /** As above, with the processor named. */
  processValues<VR>(
    supplier: FixedKeyProcessorSupplier<K, V, VR>,
    named: Named,
    ...stores: (string | StoreHandle)[]
  ): KStream<K, VR>
  processValues<VR>(
    supplier: FixedKeyProcessorSupplier<K, V, VR>,
    first?: Named | string | StoreHandle,
    ...rest: (string | StoreHandle)[]
  ): KStream<K, VR> {
    const isStore = typeof first === 'string' || (typeof first === 'object' && 'kind' in first)
    const named = isStore ? undefined : (first as Named | undefined)
    const storeNames = (isStore ? [first, ...rest] : rest).map(storeNameOf)
    const name = named?.name ?? this.ctx.newName('KSTREAM-PROCESSVALUES-')
    this.ctx.topology.addProcessor(name, fixedKeyProcessor(name, supplier), this.state.node)
    this.ctx.topology.connectProcessorAndStateStores(...storeNames.map((s) => [name, s] as const))
    return new KStream<K, VR>(this.ctx, {
      node: name,
      repartitionRequired: this.state.repartitionRequired,
      sourceTopics: this.state.sourceTopics,
      ...(this.state.keySerde === undefined ? {} : { keySerde: this.state.keySerde }),
    })
  }

  /** Joins each record with the table's current value for its key; no value, no output. */
  join<VT, R>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT, R>, joined?: Joined<K, V>): KStream<K, R>
  /**
   * Joins records of both streams with equal keys whose times lie within the windows, as Kafka
   * Streams' windowed inner join; each result is stamped with the later of the two times.
   */
  join<VO, R>(
    other: KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V, VO, R>,
    windows: JoinWindows,
    streamJoined?: StreamJoined<K, V, VO>,
  ): KStream<K, R>
  join<VO, R>(
    other: KTable<K, VO> | KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V, VO, R>,
    third?: Joined<K, V> | JoinWindows,
    streamJoined: StreamJoined<K, V, VO> = {},
  ): KStream<K, R> {
    if (other instanceof KStream) {
      return this.streamJoin(other, joiner as never, third as JoinWindows, StreamJoinKind.INNER, streamJoined)
    }
    return this.tableJoin(other, joiner as ValueJoiner<V, VO, R>, (third ?? {}) as Joined<K, V>, false)
  }

  /** Joins each record with the table's current value for its key, or null when it has none. */
  leftJoin<VT, R>(
    table: KTable<K, VT>,
    joiner: ValueJoiner<V, VT | null, R>,
    joined?: Joined<K, V>,
  ): KStream<K, R>
  /**
   * A windowed left join: every record of this stream joins the other's records within the windows;
   * one that found none is emitted with null once its window has closed (KIP-633).
   */
  leftJoin<VO, R>(
    other: KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V, VO | null, R>,
    windows: JoinWindows,
    streamJoined?: StreamJoined<K, V, VO>,
  ): KStream<K, R>
  leftJoin<VO, R>(
    other: KTable<K, VO> | KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V, VO | null, R>,
    third?: Joined<K, V> | JoinWindows,
    streamJoined: StreamJoined<K, V, VO> = {},
  ): KStream<K, R> {
    if (other instanceof KStream) {
      return this.streamJoin(other, joiner as never, third as JoinWindows, StreamJoinKind.LEFT, streamJoined)
    }
    return this.tableJoin(other, joiner as ValueJoiner<V, VO, R>, (third ?? {}) as Joined<K, V>, true)
  }

  /**
   * A windowed outer join: records of either stream that found no partner within the windows are
   * emitted with null for the other side once their window has closed (KIP-633).
   */
  outerJoin<VO, R>(
    other: KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V | null, VO | null, R>,
    windows: JoinWindows,
    streamJoined: StreamJoined<K, V, VO> = {},
  ): KStream<K, R> {
    return this.streamJoin(other, joiner, windows, StreamJoinKind.OUTER, streamJoined)
  }

  private streamJoin<VO, R>(
    other: KStream<K, VO>,
    joiner: ValueJoinerWithKey<K, V | null, VO | null, R>,
    windows: JoinWindows,
    kind: StreamJoinKind,
    streamJoined: StreamJoined<K, V, VO>,
  ): KStream<K, R> {
    return streamStreamJoin(
      this.ctx,
      this,
      other,
      joiner as ValueJoinerWithKey<K, V | null, VO | null, R>,
      windows,
      kind,
      streamJoined,
      (state) => new KStream<K, R>(this.ctx, state),
    )
  }

  private tableJoin<VT, R>(
    table: KTable<K, VT>,
    joiner: ValueJoiner<V, VT, R>,
    joined: Joined<K, V>,
    left: boolean,
  ): KStream<K, R> {
    const input = this.state.repartitionRequired
      ? this.repartition({
          ...(joined.keySerde === undefined ? {} : { keySerde: joined.keySerde }),
          ...(joined.valueSerde === undefined ? {} : { valueSerde: joined.valueSerde }),
        })
      : this
    const name = joined.name ?? this.ctx.newName(left ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-')
    const getter = table.valueGetter()
    const supplier: ProcessorSupplier<K, V, K, R> = () => {
      let context: ProcessorContext<K, R>
      let lookup: Lookup<K, VT>
      return {
        init(c) {
          context = c
          lookup = bindGetter(getter, c)
        },
        process(record) {
          // KIP-962: a null value never joins; a null key joins nothing, but a left join keeps it.
          const noKey = record.key === null || record.key === undefined
          if (record.value === null || record.value === undefined || (noKey && !left)) {
            context.recordDropped('null key or value in a stream-table join')
            return
          }
          const tableValue = noKey ? null : (lookup(record.key)?.value ?? null)
          if (tableValue === null && !left) return
          context.forward({ ...record, value: joiner(record.value, tableValue as VT) })
        },
      } satisfies Processor<K, V, K, R>
    }
    this.ctx.topology.addProcessor(name, supplier, input.state.node)
    this.ctx.topology.connectProcessorAndStateStores(...getter.storeNames.map((s) => [name, s] as const))
    this.ctx.topology.requireCopartitioned(name, [...input.state.sourceTopics, ...table.sourceTopics])
    return new KStream<K, R>(this.ctx, {
      node: name,
      repartitionRequired: false,
      sourceTopics: input.state.sourceTopics,
      ...(input.state.keySerde === undefined ? {} : { keySerde: input.state.keySerde }),
    })
  }

  /** Joins with a global table through a key the selector derives from each record; no co-partitioning needed. */
  joinGlobal<GK, GV, R>(
    table: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, tableValue: GV, key: K) => R,
    named?: Named,
  ): KStream<K, R> {
    return this.globalJoin(table, keySelector, joiner, false, named)
  }

  leftJoinGlobal<GK, GV, R>(
    table: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, tableValue: GV | null, key: K) => R,
    named?: Named,
  ): KStream<K, R> {
    return this.globalJoin(table, keySelector, joiner as (value: V, tableValue: GV, key: K) => R, true, named)
  }

  private globalJoin<GK, GV, R>(
    table: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, tableValue: GV, key: K) => R,
    left: boolean,
    named?: Named,
  ): KStream<K, R> {
    const storeName = table.storeName
    const supplier: ProcessorSupplier<K, V, K, R> = () => {
      let context: ProcessorContext<K, R>
      let store: KeyValueStore<GK, GV>
      return {
        init(c) {
          context = c
          store = c.getStateStore(storeName)
        },
        process(record) {
          // KIP-962: a null value never joins; a null table key joins nothing, but a left join keeps it.
          const tableKey = keySelector(record.key, record.value)
          const noKey = tableKey === null || tableKey === undefined
          if (record.value === null || record.value === undefined || (noKey && !left)) {
            context.recordDropped('null key or value in a stream-globalTable join')
            return
          }
          const tableValue = noKey ? undefined : store.get(tableKey)
          if (tableValue === undefined && !left) return
          context.forward({ ...record, value: joiner(record.value, (tableValue ?? null) as GV, record.key) })
        },
      }
    }
    const node = this.ctx.addProcessor(
      left ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-',
      supplier,
      [this.state.node],
      named?.name,
    )
    return new KStream<K, R>(this.ctx, {
      node,
      repartitionRequired: this.state.repartitionRequired,
      sourceTopics: this.state.sourceTopics,
      ...(this.state.keySerde === undefined ? {} : { keySerde: this.state.keySerde }),
    })
  }
}

/**
 * What `defaultBranch` and `noDefaultBranch` return: every branch by name, and, for the names the
 * branches were given, the branch typed as its guard narrowed it (never undefined).
 */
export type Branches<K, V, B> = {
  get<N extends keyof B & string>(name: N): B[N]
} & Map<string, KStream<K, V>>

/** One more branch in the branch map's type, named `<prefix>-<name>`. */
type With<B, P extends string, N extends string, S> = B & { readonly [Q in `${P}-${N}`]: S }

/**
 * The branches of `KStream.split()`: named streams, each record in the first branch that matches. A
 * branch given a type guard is typed as the guard narrows, and the branches after it see what is left
 * (`P` is the split's name, `B` the branches so far, `R` the value type no branch took yet).
 */
export class BranchedKStream<K, V, P extends string = string, B = Record<never, never>, R = V> {
  private readonly branches: { name: string; predicate: Predicate<K, V> }[] = []
  private readonly node: string

  constructor(
    private readonly ctx: BuilderContext,
    private readonly parent: StreamState<K, V>,
    private readonly prefix: string,
  ) {
    const branches = this.branches
    this.node = prefix
    ctx.addProcessor(
      '',
      () => {
        let context: ProcessorContext<K, V>
        return {
          init(c: ProcessorContext<K, V>) {
            context = c
          },
          process(record: StreamRecord<K, V>) {
            const match = branches.find((b) => b.predicate(record.key, record.value))
            if (match !== undefined) context.forward(record, match.name)
          },
        }
      },
      [parent.node],
      prefix,
    )
  }

  /** A branch of the records the guard accepts, typed as it narrows; later branches see the rest. */
  branch<W extends R, const N extends string = string>(
    guard: ValueGuard<K, R, W>,
    name?: N,
  ): BranchedKStream<K, V, P, With<B, P, N, KStream<K, W>>, Exclude<R, W>>
  branch<const N extends string = string>(
    predicate: Predicate<K, R>,
    name?: N,
  ): BranchedKStream<K, V, P, With<B, P, N, KStream<K, R>>, R>
  branch(predicate: Predicate<K, R>, name?: string): unknown {
    const branchName = `${this.prefix}-${name ?? String(this.branches.length + 1)}`
    if (this.branches.some((b) => b.name === branchName))
      throw new TopologyError(`branch ${branchName} exists already`)
    // Records reach a predicate only when no branch before took them, so they are an R.
    this.branches.push({ name: branchName, predicate: predicate as unknown as Predicate<K, V> })
    return this
  }

  /** Adds the branch for records no predicate matched, and returns every branch by name. */
  defaultBranch<const N extends string = '0'>(name?: N): Branches<K, V, With<B, P, N, KStream<K, R>>> {
    this.branch(() => true, name ?? '0')
    return this.noDefaultBranch() as Branches<K, V, With<B, P, N, KStream<K, R>>>
  }

  /** Returns every branch by name; records no predicate matched are dropped by design. */
  noDefaultBranch(): Branches<K, V, B> {
    const out = new Map<string, KStream<K, V>>()
    for (const { name } of this.branches) {
      const node = this.ctx.addProcessor(
        '',
        simple<K, V, K, V>((r, c) => c.forward(r)),
        [this.node],
        name,
      )
      out.set(name, new KStream(this.ctx, { ...this.parent, node }))
    }
    return out as Branches<K, V, B>
  }
}
