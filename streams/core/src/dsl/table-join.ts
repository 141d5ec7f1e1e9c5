import type { Serde } from '@oxagry/kafka'
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { Change } from '../record.ts'
import type { KeyValueStore } from '../state/store.ts'
import type { BuilderContext } from './builder-context.ts'
import { bindGetter, type KTable, type Lookup, type TableState, type ValueGetter } from './ktable.ts'
import { OldValues } from './old-values.ts'
import type { Materialized, Named } from './options.ts'

export const TableJoinKind = { INNER: 'inner', LEFT: 'left', OUTER: 'outer' } as const
export type TableJoinKind = (typeof TableJoinKind)[keyof typeof TableJoinKind]

/** A table-table joiner; in left and outer joins the missing side is null. */
export type TableValueJoiner<V1, V2, R> = (value: V1, otherValue: V2) => R

/** What a processor of one side runs on each update of its table, given the other table's current value. */
type Side = 'this' | 'other'
/** Kafka's `UNKNOWN` timestamp for a side with no value. */
const NO_TIMESTAMP = -1

function isMissing(value: unknown): boolean {
  return value === null || value === undefined
}

/** Reads a join's result from both tables' getters, stamped with the later of the values' times. */
function joinGetter<K, V1, V2, R>(
  left: ValueGetter<K, V1>,
  right: ValueGetter<K, V2>,
  joiner: TableValueJoiner<V1 | null, V2 | null, R>,
  kind: TableJoinKind,
): ValueGetter<K, R> {
  return {
    storeNames: [...new Set([...left.storeNames, ...right.storeNames])],
    bind: (stores) => {
      const l = left.bind(stores)
      const r = right.bind(stores)
      return (key) => {
        const a = l(key)
        if (a === null && kind !== TableJoinKind.OUTER) return null
        const b = r(key)
        if (b === null && (kind === TableJoinKind.INNER || a === null)) return null
        return {
          value: joiner(a?.value ?? null, b?.value ?? null),
          timestamp: Math.max(a?.timestamp ?? NO_TIMESTAMP, b?.timestamp ?? NO_TIMESTAMP),
        }
      }
    },
  }
}

/**
 * A table-table join, as Kafka Streams' KTableImpl.doJoin builds it: one processor per table, each
 * joining an update of its table with the other table's current value (read through its value getter),
 * and a merge node that materializes the result if asked. A result is stamped with the later of the
 * two values' times.
 */
export function tableTableJoin<K, V1, V2, R>(
  ctx: BuilderContext,
  left: KTable<K, V1>,
  right: KTable<K, V2>,
  joiner: TableValueJoiner<V1 | null, V2 | null, R>,
  kind: TableJoinKind,
  materialized: Materialized<K, R> | undefined,
  named: Named | undefined,
  create: (state: TableState<K, R>) => KTable<K, R>,
): KTable<K, R> {
  // A left (outer) join must see the deletes of its outer sides to retract their results: Kafka forces old values there.
  if (kind !== TableJoinKind.INNER) left.state.oldValues.enable(true)
  if (kind === TableJoinKind.OUTER) right.state.oldValues.enable(true)
  const merge = named?.name ?? ctx.newName('KTABLE-MERGE-')
  const joinThis = named?.name === undefined ? ctx.newName('KTABLE-JOINTHIS-') : `${named.name}-join-this`
  const joinOther = named?.name === undefined ? ctx.newName('KTABLE-JOINOTHER-') : `${named.name}-join-other`
  const oldValues = OldValues.join(left.state.oldValues, right.state.oldValues)
  const leftGetter = left.valueGetter()
  const rightGetter = right.valueGetter()

  const side = <VThis, VOther>(
    which: Side,
    thisOld: OldValues,
    otherGetter: ValueGetter<K, VOther>,
  ): ProcessorSupplier<K, Change<VThis>, K, Change<R>> => {
    const apply = (mine: VThis | null, theirs: VOther | null): R =>
      which === 'this'
        ? joiner(mine as unknown as V1 | null, theirs as unknown as V2 | null)
        : joiner(theirs as unknown as V1 | null, mine as unknown as V2 | null)
    // Kafka's processors per side: inner both ways; left is KTableKTableLeftJoin here and
    // KTableKTableRightJoin on the other side; outer both ways.
    const mode =
      kind === TableJoinKind.INNER
        ? 'inner'
        : kind === TableJoinKind.OUTER
          ? 'outer'
          : which === 'this'
            ? 'left'
            : 'right'
    return () => {
      let context: ProcessorContext<K, Change<R>>
      let lookup: Lookup<K, VOther>
      return {
        init(c) {
          context = c
          lookup = bindGetter(otherGetter, c)
        },
        process(record) {
          if (isMissing(record.key)) {
            context.recordDropped('null key in a table-table join')
            return
          }
          const sendOld = oldValues.enabled
          const newValue = record.value.newValue ?? null
          // An old value the table does not send is not there, as in Kafka where the Change carries null.
          const oldValue = thisOld.enabled ? (record.value.oldValue ?? null) : null
          const found = lookup(record.key)
          const other = found?.value ?? null
          const otherTime = found === null ? NO_TIMESTAMP : found.timestamp
          let result: Change<R>
          switch (mode) {
            case 'inner':
              if (other === null) return
              result = {
                newValue: newValue === null ? null : apply(newValue, other),
                oldValue: sendOld && oldValue !== null ? apply(oldValue, other) : null,
              }
              break
            case 'left':
              if (other === null && newValue === null && oldValue === null) return
              result = {
                newValue: newValue === null ? null : apply(newValue, other),
                oldValue: sendOld && oldValue !== null ? apply(oldValue, other) : null,
              }
              break
            case 'right':
              // The right table of a left join: nothing without a left value; a right delete joins null.
              if (other === null) return
              result = { newValue: apply(newValue, other), oldValue: sendOld ? apply(oldValue, other) : null }
              break
            case 'outer':
              if (other === null && newValue === null && oldValue === null) return
              result = {
                newValue: other !== null || newValue !== null ? apply(newValue, other) : null,
                oldValue: sendOld && (other !== null || oldValue !== null) ? apply(oldValue, other) : null,
              }
              break
          }
          context.forward({ ...record, value: result, timestamp: Math.max(record.timestamp, otherTime) })
        },
      } satisfies Processor<K, Change<VThis>, K, Change<R>>
    }
  }

  const store =
    materialized === undefined
      ? undefined
      : ctx.storeSpec('keyValue', materialized, `${merge}-STATE-STORE`, {
          keySerde: (left.state.keySerde ?? right.state.keySerde) as Serde<unknown> | undefined,
        })
  const topology = ctx.topology
  topology.addProcessor(joinThis, side<V1, V2>('this', left.state.oldValues, rightGetter), left.state.node)
  topology.addProcessor(joinOther, side<V2, V1>('other', right.state.oldValues, leftGetter), right.state.node)
  topology.connectProcessorAndStateStores(
    ...rightGetter.storeNames.map((s) => [joinThis, s] as const),
    ...leftGetter.storeNames.map((s) => [joinOther, s] as const),
  )
  const mergeSupplier: ProcessorSupplier<K, Change<R>, K, Change<R>> = () => {
    let context: ProcessorContext<K, Change<R>>
    let resultStore: KeyValueStore<K, R> | undefined
    return {
      init(c) {
        context = c
        if (store !== undefined) resultStore = c.getStateStore<KeyValueStore<K, R>>(store.name)
      },
      process(record) {
        resultStore?.putWithTimestamp(record.key, record.value.newValue, record.timestamp)
        context.forward(
          oldValues.enabled
            ? record
            : { ...record, value: { newValue: record.value.newValue, oldValue: null } },
        )
      },
    }
  }
  topology.addProcessor(merge, mergeSupplier, joinThis, joinOther)
  if (store !== undefined) topology.addStateStore(store, merge)
  topology.requireCopartitioned(joinThis, [...left.state.sourceTopics, ...right.state.sourceTopics])
  const keySerde = (store?.keySerde as Serde<K> | undefined) ?? left.state.keySerde
  const valueSerde = materialized?.valueSerde
  return create({
    node: merge,
    sourceTopics: [...left.state.sourceTopics, ...right.state.sourceTopics],
    oldValues,
    // Unmaterialized, the result is read by joining both tables' current values, as Kafka's
    // KTableKTable*JoinValueGetter: inner needs both, left the left one, outer either.
    ...(store === undefined
      ? { getter: () => joinGetter(leftGetter, rightGetter, joiner, kind) }
      : { storeName: store.name }),
    ...(keySerde === undefined ? {} : { keySerde }),
    ...(valueSerde === undefined ? {} : { valueSerde }),
  })
}
