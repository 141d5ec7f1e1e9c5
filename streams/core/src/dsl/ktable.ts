import { STREAMS_ERROR_CODES, TopologyError } from '../errors.ts'
import type {
  ProcessorContext,
  ProcessorSupplier,
  ValueTransformerWithKeySupplier,
} from '../processor/api.ts'
import type { Change, KeyValue, Windowed } from '../record.ts'
import type {
  KeyValueStore,
  SessionStore,
  StateStore,
  ValueAndTimestamp,
  WindowStore,
} from '../state/store.ts'
import type { Serde } from '@oxagry/kafka'
import type { TopicRef } from '../topology/nodes.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import type { BuilderContext } from './builder-context.ts'
import { KGroupedTable } from './grouped.ts'
import { KStream } from './kstream.ts'
import type { Grouped, Materialized, Named, TableJoined } from './options.ts'
import { OldValues } from './old-values.ts'
import { TableJoinKind, tableTableJoin, type TableValueJoiner } from './table-join.ts'
import { foreignKeyJoin, type ForeignKeyExtractor } from './fk-join.ts'
import { tableRepartitionMap, tableTransform, TableTransformKind } from './processors.ts'
import { suppressProcessor } from './suppress-processor.ts'
import { suppressedGetter, suppressEntrySerde } from './suppress-buffer.ts'
import type { Suppressed } from './suppressed.ts'
import { tableTransformValues, transformValuesGetter } from './transform-values.ts'

/** A table's current value for a key and the time it was written, or null: Kafka's ValueAndTimestamp. */
export type Lookup<K, V> = (key: K) => ValueAndTimestamp<V> | null

/**
 * Reads a table's current value for a key, as Kafka's KTableValueGetter: from its store, through any
 * unmaterialized steps, or (an unmaterialized table-table join) from both joined tables' getters.
 */
export interface ValueGetter<K, V> {
  /** The stores a processor reading through this getter must be connected to. */
  readonly storeNames: readonly string[]
  /** Binds to a processor's stores (in its init). */
  bind(store: (name: string) => KeyValueStore<unknown, unknown>): Lookup<K, V>
}

/** The getter of a table kept in its own store. */
export function storeGetter<K, V>(storeName: string): ValueGetter<K, V> {
  return {
    storeNames: [storeName],
    bind: (store) => {
      const kv = store(storeName) as KeyValueStore<K, V>
      return (key) => kv.getWithTimestamp(key) ?? null
    },
  }
}

/** Binds a getter in a processor's init, through its context. */
export function bindGetter<K, V>(
  getter: ValueGetter<K, V>,
  context: { getStateStore<S extends StateStore>(name: string): S },
): Lookup<K, V> {
  return getter.bind((name) => context.getStateStore<KeyValueStore<unknown, unknown>>(name))
}

/** What a windowed table knows of its windows, for suppression and serdes. */
export type WindowInfo =
  | { readonly kind: 'time'; readonly sizeMs: number; readonly graceMs: number }
  | { readonly kind: 'session'; readonly graceMs: number }

export interface TableState<K, V> {
  readonly node: string
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly sourceTopics: readonly TopicRef[]
  /** The store holding exactly this table, when it is materialized. */
  readonly storeName?: string
  /** How to read this table by key, made when first needed. */
  readonly getter?: () => ValueGetter<K, V>
  readonly windowed?: WindowInfo
  /** Whether this table's updates carry old values (see OldValues). */
  readonly oldValues: OldValues
}

/** A changelog stream seen as a table: the latest value per key, as Kafka Streams' KTable. */
export class KTable<K, V> {
  protected constructor(
    protected readonly ctx: BuilderContext,
    readonly state: TableState<K, V>,
  ) {}

  static create<K, V>(ctx: BuilderContext, state: TableState<K, V>): KTable<K, V> {
    return new KTable(ctx, state)
  }

  get sourceTopics(): readonly TopicRef[] {
    return this.state.sourceTopics
  }

  /** The name of the store to query this table by, when it is materialized. */
  get queryableStoreName(): string | undefined {
    return this.state.storeName
  }

  valueGetter(): ValueGetter<K, V> {
    if (this.state.getter !== undefined) return this.state.getter()
    if (this.state.storeName === undefined) {
      throw new TopologyError(
        `table ${this.state.node} has no store to read: materialize it (a Materialized with a store name) to join or look it up`,
        STREAMS_ERROR_CODES.TOPOLOGY,
        { node: this.state.node },
      )
    }
    const storeName = this.state.storeName
    switch (this.state.windowed?.kind) {
      case undefined:
        return storeGetter<K, V>(storeName)
      case 'time':
        // A windowed aggregate is read from its window store by the key's window start, as Kafka's getter.
        return {
          storeNames: [storeName],
          bind: (store) => {
            const windows = store(storeName) as unknown as WindowStore<unknown, V>
            return (key) => {
              const w = key as unknown as Windowed<unknown>
              return windows.fetchWithTimestamp(w.key, w.window.start) ?? null
            }
          },
        }
      case 'session':
        // Session results are stamped with the session's end (see the README).
        return {
          storeNames: [storeName],
          bind: (store) => {
            const sessions = store(storeName) as unknown as SessionStore<unknown, V>
            return (key) => {
              const w = key as unknown as Windowed<unknown>
              const value = sessions.fetchSession(w.key, w.window.start, w.window.end)
              return value === undefined ? null : { value, timestamp: w.window.end }
            }
          },
        }
    }
  }

  private derive<V2>(
    prefix: string,
    kind: TableTransformKind,
    transform: (key: K, value: V) => V2 | null,
    materialized: Materialized<K, V2> | undefined,
    named: Named | undefined,
    valueSerde: Serde<V2> | undefined,
  ): KTable<K, V2> {
    const name = named?.name ?? this.ctx.newName(prefix)
    const store =
      materialized === undefined
        ? undefined
        : this.ctx.storeSpec('keyValue', materialized, `${name}-STATE-STORE`, {
            keySerde: this.state.keySerde as Serde<unknown> | undefined,
            valueSerde: valueSerde as Serde<unknown> | undefined,
          })
    // Only a store the caller named makes the table queryable, which is what Kafka Streams asks.
    const queryable = materialized?.storeName !== undefined
    const oldValues =
      kind === TableTransformKind.FILTER
        ? OldValues.filter(this.state.oldValues, queryable)
        : OldValues.derived(this.state.oldValues, queryable)
    this.ctx.topology.addProcessor(
      name,
      tableTransform<K, V, V2>(transform, store?.name, kind, () => oldValues.enabled),
      this.state.node,
    )
    if (store !== undefined) this.ctx.topology.addStateStore(store, name)
    // Asked for only when something reads this table by key: a parent with no getter (an unmaterialized
    // table-table join) is fine until then.
    const getter = (): ValueGetter<K, V2> => {
      if (store !== undefined) return storeGetter<K, V2>(store.name)
      const parent = this.valueGetter()
      return {
        storeNames: parent.storeNames,
        bind: (stores) => {
          const lookup = parent.bind(stores)
          return (key) => {
            const found = lookup(key)
            const value = found === null ? null : transform(key, found.value)
            return value === null || found === null ? null : { value, timestamp: found.timestamp }
          }
        },
      }
    }
    const serde = (store?.valueSerde as Serde<V2> | undefined) ?? valueSerde
    return new KTable<K, V2>(this.ctx, {
      node: name,
      sourceTopics: this.state.sourceTopics,
      getter,
      oldValues,
      ...(store === undefined ? {} : { storeName: store.name }),
      ...(this.state.keySerde === undefined ? {} : { keySerde: this.state.keySerde }),
      ...(serde === undefined ? {} : { valueSerde: serde }),
      ...(this.state.windowed === undefined ? {} : { windowed: this.state.windowed }),
    })
  }

  filter(
    predicate: (key: K, value: V) => boolean,
    materialized?: Materialized<K, V>,
    named?: Named,
  ): KTable<K, V> {
    return this.derive(
      'KTABLE-FILTER-',
      TableTransformKind.FILTER,
      (k, v) => (predicate(k, v) ? v : null),
      materialized,
      named,
      this.state.valueSerde,
    )
  }

  filterNot(
    predicate: (key: K, value: V) => boolean,
    materialized?: Materialized<K, V>,
    named?: Named,
  ): KTable<K, V> {
    return this.filter((k, v) => !predicate(k, v), materialized, named)
  }

  mapValues<V2>(
    mapper: (value: V, key: K) => V2,
    materialized?: Materialized<K, V2>,
    named?: Named,
  ): KTable<K, V2> {
    return this.derive(
      'KTABLE-MAPVALUES-',
      TableTransformKind.MAP_VALUES,
      (k, v) => mapper(v, k),
      materialized,
      named,
      materialized?.valueSerde,
    )
  }

  /**
   * Transforms every value with a stateful transformer (Kafka's `KTable.transformValues`): it may read
   * and write the named stores, and is called with the key and the new value, null for a delete (a null
   * result deletes). Materialized under a store name, the table keeps the results in its own store and
   * its old values come from there; otherwise the transformer is called on old values too when they are
   * sent.
   */
  transformValues<VR>(
    supplier: ValueTransformerWithKeySupplier<K, V, VR>,
    materialized?: Materialized<K, VR>,
    named?: Named,
    ...storeNames: string[]
  ): KTable<K, VR> {
    const name = named?.name ?? this.ctx.newName('KTABLE-TRANSFORMVALUES-')
    // As Kafka's, only a Materialized naming its store materializes: one with serdes alone does not.
    const store =
      materialized?.storeName === undefined
        ? undefined
        : this.ctx.storeSpec('keyValue', materialized, `${name}-STATE-STORE`, {
            keySerde: this.state.keySerde as Serde<unknown> | undefined,
          })
    const oldValues = OldValues.derived(this.state.oldValues, materialized?.storeName !== undefined)
    this.ctx.topology.addProcessor(
      name,
      tableTransformValues<K, V, VR>(name, supplier, store?.name, () => oldValues.enabled),
      this.state.node,
    )
    if (store !== undefined) this.ctx.topology.addStateStore(store, name)
    this.ctx.topology.connectProcessorAndStateStores(...storeNames.map((s) => [name, s] as const))
    const getter = (): ValueGetter<K, VR> =>
      store !== undefined
        ? storeGetter<K, VR>(store.name)
        : transformValuesGetter(name, this.valueGetter(), supplier, storeNames)
    const serde = (store?.valueSerde as Serde<VR> | undefined) ?? materialized?.valueSerde
    return new KTable<K, VR>(this.ctx, {
      node: name,
      sourceTopics: this.state.sourceTopics,
      getter,
      oldValues,
      ...(store === undefined ? {} : { storeName: store.name }),
      ...(this.state.keySerde === undefined ? {} : { keySerde: this.state.keySerde }),
      ...(serde === undefined ? {} : { valueSerde: serde }),
      ...(this.state.windowed === undefined ? {} : { windowed: this.state.windowed }),
    })
  }

  /**
   * A foreign-key join (KIP-213): each value of this table joins the other table's value under the key
   * the extractor derives from it, through subscription and response topics; no result while either is
   * missing. Results are keyed by this table's key.
   */
  join<KO, VO, R>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: ForeignKeyExtractor<K, V, KO>,
    joiner: (value: V, otherValue: VO) => R,
    materialized?: Materialized<K, R>,
    tableJoined?: TableJoined,
  ): KTable<K, R>
  /**
   * Joins with another table on the key: an update of either side joins the other's current value;
   * no result while either side is missing. A result is stamped with the later of the two times.
   */
  join<VO, R>(
    other: KTable<K, VO>,
    joiner: TableValueJoiner<V, VO, R>,
    materialized?: Materialized<K, R>,
    named?: Named,
  ): KTable<K, R>
  join<VO, R>(
    other: object,
    second: unknown,
    third?: unknown,
    fourth?: unknown,
    fifth?: TableJoined,
  ): KTable<K, R> {
    if (typeof third === 'function') {
      return this.fkJoin(
        other as KTable<unknown, VO>,
        second as never,
        third as never,
        false,
        fourth as never,
        fifth,
      )
    }
    return this.tableJoin(
      other as never,
      second as never,
      TableJoinKind.INNER,
      third as never,
      fourth as never,
    )
  }

  /** A foreign-key left join: every value of this table has a result, joined with null while the other has none. */
  leftJoin<KO, VO, R>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: ForeignKeyExtractor<K, V, KO>,
    joiner: (value: V, otherValue: VO | null) => R,
    materialized?: Materialized<K, R>,
    tableJoined?: TableJoined,
  ): KTable<K, R>
  /** As `join`, and every value of this table has a result, joined with null while the other has none. */
  leftJoin<VO, R>(
    other: KTable<K, VO>,
    joiner: TableValueJoiner<V, VO | null, R>,
    materialized?: Materialized<K, R>,
    named?: Named,
  ): KTable<K, R>
  leftJoin<VO, R>(
    other: object,
    second: unknown,
    third?: unknown,
    fourth?: unknown,
    fifth?: TableJoined,
  ): KTable<K, R> {
    if (typeof third === 'function') {
      return this.fkJoin(
        other as KTable<unknown, VO>,
        second as never,
        third as never,
        true,
        fourth as never,
        fifth,
      )
    }
    return this.tableJoin(
      other as never,
      second as never,
      TableJoinKind.LEFT,
      third as never,
      fourth as never,
    )
  }

  private fkJoin<KO, VO, R>(
    other: KTable<KO, VO>,
    extractor: ForeignKeyExtractor<K, V, KO>,
    joiner: (value: V, otherValue: VO | null) => R,
    leftJoin: boolean,
    materialized: Materialized<K, R> | undefined,
    named: TableJoined | undefined,
  ): KTable<K, R> {
    return foreignKeyJoin(
      this.ctx,
      this,
      other,
      extractor,
      joiner,
      leftJoin,
      materialized,
      named,
      (state) => new KTable<K, R>(this.ctx, state),
    )
  }

  /** As `join`, and every value of either table has a result, joined with null while the other has none. */
  outerJoin<VO, R>(
    other: KTable<K, VO>,
    joiner: TableValueJoiner<V | null, VO | null, R>,
    materialized?: Materialized<K, R>,
    named?: Named,
  ): KTable<K, R> {
    return this.tableJoin(other, joiner, TableJoinKind.OUTER, materialized, named)
  }

  private tableJoin<VO, R>(
    other: KTable<K, VO>,
    joiner: TableValueJoiner<V | null, VO | null, R>,
    kind: TableJoinKind,
    materialized: Materialized<K, R> | undefined,
    named: Named | undefined,
  ): KTable<K, R> {
    return tableTableJoin(
      this.ctx,
      this,
      other,
      joiner,
      kind,
      materialized,
      named,
      (state) => new KTable<K, R>(this.ctx, state),
    )
  }

  /** The table's updates as a stream; a deletion is a record with a null value (a tombstone). */
  toStream(named?: Named): KStream<K, V | null> {
    const supplier: ProcessorSupplier<K, Change<V>, K, V | null> = () => {
      let context: ProcessorContext<K, V | null>
      return {
        init(c) {
          context = c
        },
        process(record) {
          context.forward({ ...record, value: record.value.newValue })
        },
      }
    }
    const node = this.ctx.addProcessor('KTABLE-TOSTREAM-', supplier, [this.state.node], named?.name)
    return new KStream<K, V | null>(this.ctx, {
      node,
      repartitionRequired: false,
      sourceTopics: this.state.sourceTopics,
      ...(this.state.keySerde === undefined ? {} : { keySerde: this.state.keySerde }),
      ...(this.state.valueSerde === undefined
        ? {}
        : { valueSerde: this.state.valueSerde as Serde<V | null> }),
    })
  }

  /** Re-keys the table for an aggregation: an update subtracts the old value and adds the new. */
  groupBy<K2, V2>(
    selector: (key: K, value: V) => KeyValue<K2, V2>,
    grouped: Grouped<K2, V2> = {},
  ): KGroupedTable<K2, V2> {
    // The aggregation subtracts old values: they must flow, as Kafka Streams forces them here.
    this.state.oldValues.enable(true)
    const node = this.ctx.addProcessor('KTABLE-SELECT-', tableRepartitionMap(selector), [this.state.node])
    return new KGroupedTable<K2, V2>(this.ctx, {
      node,
      sourceTopics: this.state.sourceTopics,
      ...(grouped.keySerde === undefined ? {} : { keySerde: grouped.keySerde }),
      ...(grouped.valueSerde === undefined ? {} : { valueSerde: grouped.valueSerde }),
      ...(grouped.name === undefined ? {} : { name: grouped.name }),
    })
  }

  /**
   * Holds back the table's updates, as Kafka Streams' `suppress`: `untilWindowCloses` emits each
   * window's final result once, when stream time passes its end plus grace (windowed tables only);
   * `untilTimeLimit` emits a key's latest update once the time limit has passed since its first
   * buffered one. The buffer is a logged store, so a restart loses none of it.
   */
  suppress(suppressed: Suppressed): KTable<K, V> {
    const windowed = this.state.windowed
    const name = suppressed.name ?? this.ctx.newName('KTABLE-SUPPRESS-')
    let keySerde: Serde<K>
    if (suppressed.kind === 'untilWindowCloses') {
      if (windowed === undefined) {
        throw new TopologyError(
          `suppress(untilWindowCloses) needs a windowed table; ${this.state.node} is not one`,
          STREAMS_ERROR_CODES.TOPOLOGY,
          { node: name },
        )
      }
      const innerKey = this.ctx.requireSerde(
        (this.state.keySerde as unknown as { inner?: Serde<unknown> } | undefined)?.inner,
        'key',
        name,
        'set Grouped.keySerde or read the topic with a key serde',
      )
      // The buffer emits due windows by end, then serialized key: the windowed key's bytes, as Kafka's.
      keySerde = (windowed.kind === 'time'
        ? WindowedSerdes.timeWindowed(innerKey, windowed.sizeMs)
        : WindowedSerdes.sessionWindowed(innerKey)) as unknown as Serde<K>
    } else {
      keySerde = this.ctx.requireSerde(this.state.keySerde, 'key', name, 'read the topic with a key serde')
    }
    this.state.oldValues.enable(true)
    const valueSerde = this.ctx.requireSerde(
      this.state.valueSerde,
      'value',
      name,
      'set Materialized.valueSerde on the table',
    )
    const store = this.ctx.storeSpec('keyValue', { storeType: 'in-memory' }, `${name}-STATE-STORE`, {
      keySerde: keySerde as Serde<unknown>,
      valueSerde: suppressEntrySerde as Serde<unknown>,
    })
    const finalResults = suppressed.kind === 'untilWindowCloses'
    this.ctx.topology.addProcessor(
      name,
      suppressProcessor<K, V>({
        node: name,
        bufferStoreName: store.name,
        keySerde,
        valueSerde,
        bufferTime: finalResults
          ? (record) => (record.key as unknown as Windowed<unknown>).window.end
          : (record) => record.timestamp,
        suppressDurationMs: finalResults ? (windowed?.graceMs ?? 0) : suppressed.timeToWaitMs,
        safeToDropTombstones: finalResults,
        buffer: suppressed.buffer,
      }),
      this.state.node,
    )
    this.ctx.topology.addStateStore(store, name)
    const { storeName: _materialized, getter: _getter, ...rest } = this.state
    return new KTable<K, V>(this.ctx, {
      ...rest,
      node: name,
      oldValues: OldValues.derived(this.state.oldValues, false),
      getter: () => suppressedGetter(this.valueGetter(), store.name, valueSerde),
    })
  }
}

/** A table replicated in full to every instance, read from all partitions of its topic. */
export class GlobalKTable<K, V> {
  /** Carries the key and value types for joins; never set. */
  declare readonly types?: { key: K; value: V }

  constructor(
    readonly storeName: string,
    readonly topic: string,
  ) {}
}

/** Serdes a windowed aggregation hands to its table: the inner key serde stays reachable for suppress. */
export function windowedKeySerde<K>(
  inner: Serde<K> | undefined,
  info: WindowInfo,
): Serde<Windowed<K>> | undefined {
  if (inner === undefined) return undefined
  const serde =
    info.kind === 'time'
      ? WindowedSerdes.timeWindowed(inner, info.sizeMs)
      : WindowedSerdes.sessionWindowed(inner)
  return Object.assign(serde, { inner })
}
