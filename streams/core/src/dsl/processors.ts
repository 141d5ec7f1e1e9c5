import type { Processor, ProcessorContext } from '../processor/api.ts'
import type { Change, StreamRecord, Windowed } from '../record.ts'
import type { KeyValueStore, SessionStore, ValueAndTimestamp, WindowStore } from '../state/store.ts'
import { keyId } from '../state/store.ts'
import type { WindowCloseEmitter } from './window-close-emitter.ts'
import type { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

export type Initializer<A> = () => A
export type Aggregator<K, V, A> = (key: K, value: V, aggregate: A) => A
export type Merger<K, A> = (key: K, left: A, right: A) => A

type Ctx = ProcessorContext<unknown, unknown>

function isMissing(value: unknown): boolean {
  return value === null || value === undefined
}

function change<V>(newValue: V | null, oldValue: V | null): Change<V> {
  return { newValue, oldValue }
}

/** A processor around one store: the context and store are set in init, then every record is processed. */
function withStore<KIn, VIn, KOut, VOut, S>(
  storeName: string,
  process: (record: StreamRecord<KIn, VIn>, ctx: Ctx, store: S) => void,
): () => Processor<KIn, VIn, KOut, VOut> {
  return () => {
    let ctx: Ctx
    let store: S
    return {
      init(context) {
        ctx = context as Ctx
        store = context.getStateStore(storeName) as unknown as S
      },
      process(record) {
        process(record, ctx, store)
      },
    }
  }
}

/**
 * Stream aggregation into a key-value store; emits the table update. As Kafka Streams' KStreamAggregate,
 * a null key or value is dropped, and the result is stamped with the largest timestamp of the records
 * in it (kept beside the aggregate in the store).
 */
export function streamAggregate<K, V, A>(
  storeName: string,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
): () => Processor<K, V, K, Change<A>> {
  return withStore<K, V, K, Change<A>, KeyValueStore<K, A>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key) || isMissing(record.value)) {
      ctx.recordDropped('null key or value in an aggregation')
      return
    }
    const old = store.getWithTimestamp(record.key)
    const oldAgg = old?.value ?? null
    const timestamp = old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp)
    // Kafka sends the initializer's value as the old value of a first aggregate (a count's 0): a
    // filter downstream sees it, and retracts what that 0 would have passed.
    const previous = oldAgg ?? initializer()
    const aggregate = aggregator(record.key, record.value, previous)
    store.putWithTimestamp(record.key, aggregate, timestamp)
    ctx.forward({ ...record, timestamp, value: change(aggregate, previous) })
  })
}

/**
 * A table materialized from a stream or topic: tombstones delete, updates carry the old value. As
 * Kafka Streams' KTableSource, a tombstone is forwarded even for a key the table never held.
 */
export function tableSource<K, V>(storeName: string): () => Processor<K, V | null, K, Change<V>> {
  return withStore<K, V | null, K, Change<V>, KeyValueStore<K, V>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key)) {
      ctx.recordDropped('null key for a table')
      return
    }
    const old = store.get(record.key) ?? null
    const value = record.value ?? null
    store.putWithTimestamp(record.key, value, record.timestamp)
    ctx.forward({ ...record, value: change(value, old) })
  })
}

export const TableTransformKind = {
  FILTER: 'filter',
  MAP_VALUES: 'mapValues',
} as const
export type TableTransformKind = (typeof TableTransformKind)[keyof typeof TableTransformKind]

/**
 * A derived table's update, optionally kept in its own store (when materialized). A filter forwards a
 * tombstone for every update that fails its predicate, as KTableFilter does, except when it sends old
 * values and the old value failed too: then downstream has nothing to retract.
 */
export function tableTransform<K, V, R>(
  transform: (key: K, value: V) => R | null,
  storeName: string | undefined,
  kind: TableTransformKind,
  sendsOldValues: () => boolean,
): () => Processor<K, Change<V>, K, Change<R>> {
  return () => {
    let ctx: Ctx
    let store: KeyValueStore<K, R> | undefined
    return {
      init(context) {
        ctx = context as Ctx
        if (storeName !== undefined) store = context.getStateStore<KeyValueStore<K, R>>(storeName)
      },
      process(record) {
        const { newValue, oldValue } = record.value
        const n = newValue === null ? null : transform(record.key, newValue)
        const o = oldValue === null ? null : transform(record.key, oldValue)
        if (kind === TableTransformKind.FILTER && n === null && o === null && sendsOldValues()) return
        store?.putWithTimestamp(record.key, n, record.timestamp)
        ctx.forward({ ...record, value: change(n, o) })
      },
    }
  }
}

/**
 * Re-keys table updates, as KTableRepartitionMap: when the old and new values select the same key, one
 * update carries both (KIP-904), so the aggregation subtracts and adds in one step and emits once;
 * otherwise the old value is subtracted under its key and the new one added under its. A selected
 * pair with a null key or value goes nowhere.
 */
export function tableRepartitionMap<K, V, K2, V2>(
  selector: (key: K, value: V) => { key: K2; value: V2 },
): () => Processor<K, Change<V>, K2, Change<V2>> {
  return () => {
    let ctx: Ctx
    const usable = (pair: { key: K2; value: V2 } | null): pair is { key: K2; value: V2 } =>
      pair !== null && !isMissing(pair.key) && !isMissing(pair.value)
    return {
      init(context) {
        ctx = context as Ctx
      },
      process(record) {
        const { newValue, oldValue } = record.value
        const added = newValue === null ? null : selector(record.key, newValue)
        const removed = oldValue === null ? null : selector(record.key, oldValue)
        if ((added !== null && isMissing(added.key)) || (removed !== null && isMissing(removed.key))) {
          ctx.recordDropped('table groupBy selected a null key')
        }
        if (usable(added) && usable(removed) && keyId(added.key) === keyId(removed.key)) {
          ctx.forward({ ...record, key: added.key, value: change(added.value, removed.value) })
          return
        }
        if (usable(removed)) ctx.forward({ ...record, key: removed.key, value: change(null, removed.value) })
        if (usable(added)) ctx.forward({ ...record, key: added.key, value: change(added.value, null) })
      },
    }
  }
}

/**
 * Aggregates table updates with an adder and a subtractor, as KTableAggregate: the old value is
 * subtracted only from an existing aggregate, and the result is stamped with the largest timestamp
 * of the updates in it.
 */
export function tableAggregate<K, V, A>(
  storeName: string,
  initializer: Initializer<A>,
  adder: Aggregator<K, V, A>,
  subtractor: Aggregator<K, V, A>,
): () => Processor<K, Change<V>, K, Change<A>> {
  return withStore<K, Change<V>, K, Change<A>, KeyValueStore<K, A>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key)) {
      ctx.recordDropped('null key in a table aggregation')
      return
    }
    const old = store.getWithTimestamp(record.key)
    const oldAgg = old?.value ?? null
    const latest = (): number =>
      old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp)
    let timestamp = record.timestamp
    let aggregate: A | null = oldAgg
    if (record.value.oldValue !== null && oldAgg !== null) {
      aggregate = subtractor(record.key, record.value.oldValue, oldAgg)
      timestamp = latest()
    }
    if (record.value.newValue !== null) {
      aggregate = adder(record.key, record.value.newValue, aggregate ?? initializer())
      timestamp = latest()
    }
    store.putWithTimestamp(record.key, aggregate, timestamp)
    ctx.forward({ ...record, timestamp, value: change(aggregate, oldAgg) })
  })
}

/** A processor's own stream time, as Kafka Streams' windowed processors keep it: -1 before any record. */
class ObservedStreamTime {
  private time = -1

  advance(timestamp: number): number {
    this.time = Math.max(this.time, timestamp)
    return this.time
  }

  get current(): number {
    return this.time
  }
}

/**
 * Tumbling and hopping window aggregation, as KStreamWindowAggregate: only a null key is dropped (a
 * null value is aggregated, whatever the Javadoc says); the processor keeps its own stream time,
 * advanced by the records that reach it; a window is closed once that time minus grace reaches its end;
 * each result is stamped with the largest timestamp in its window. With a close emitter
 * (`EmitStrategy.onWindowClose()`), updates only go to the store and the emitter sends final results.
 */
export function windowAggregate<K, V, A>(
  storeName: string,
  windows: TimeWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  onClose?: (store: () => WindowStore<unknown, A>) => WindowCloseEmitter,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  return () => {
    let ctx: Ctx
    let store: WindowStore<K, A>
    const streamTime = new ObservedStreamTime()
    const closer = onClose?.(() => store as WindowStore<unknown, A>)
    return {
      init(context) {
        ctx = context as Ctx
        store = context.getStateStore(storeName)
      },
      process(record) {
        if (isMissing(record.key)) {
          ctx.recordDropped('null key in a windowed aggregation')
          return
        }
        const closeTime = streamTime.advance(record.timestamp) - windows.graceMs
        let accepted = false
        for (const window of windows.windowsFor(record.timestamp)) {
          if (window.end <= closeTime) continue
          accepted = true
          const old = store.fetchWithTimestamp(record.key, window.start)
          const oldAgg = old?.value ?? null
          const timestamp = old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp)
          // As in streamAggregate, a first aggregate's old value is the initializer's.
          const previous = oldAgg ?? initializer()
          const aggregate = aggregator(record.key, record.value, previous)
          store.putWithTimestamp(record.key, aggregate, window.start, timestamp)
          if (closer !== undefined) continue
          ctx.forward({
            ...record,
            timestamp,
            key: { key: record.key, window },
            value: change(aggregate, previous),
          })
        }
        if (!accepted)
          ctx.recordDropped(`record at ${record.timestamp} is later than its windows' grace period`)
        closer?.emit(record, closeTime, ctx)
      },
    }
  }
}

/**
 * Session aggregation, as KStreamSessionWindowAggregate: merges every session within the gap of the
 * record into one; a null value is aggregated, only a null key dropped. Merged sessions are removed,
 * each with a tombstone (also one whose window equals the result's), and every result or tombstone is
 * stamped with its session's end. With a close emitter (`EmitStrategy.onWindowClose()`), updates
 * and tombstones only change the store and the emitter sends each closed session's final result.
 */
export function sessionAggregate<K, V, A>(
  storeName: string,
  windows: SessionWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  merger: Merger<K, A>,
  onClose?: (store: () => SessionStore<unknown, A>) => WindowCloseEmitter,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  return () => {
    let ctx: Ctx
    let store: SessionStore<K, A>
    const streamTime = new ObservedStreamTime()
    const closer = onClose?.(() => store as SessionStore<unknown, A>)
    const forward = (r: StreamRecord<Windowed<K>, Change<A>>): void => {
      if (closer === undefined) ctx.forward(r)
    }
    return {
      init(context) {
        ctx = context as Ctx
        store = context.getStateStore(storeName)
      },
      process(record) {
        if (isMissing(record.key)) {
          ctx.recordDropped('null key in a session aggregation')
          return
        }
        const ts = record.timestamp
        // A session may still grow by a record within the gap after its end: it closes at end + gap + grace.
        const closeTime = streamTime.advance(ts) - windows.graceMs - windows.inactivityGapMs
        const merged = store.findSessions(
          record.key,
          ts - windows.inactivityGapMs,
          ts + windows.inactivityGapMs,
        )
        let start = ts
        let end = ts
        let aggregate = initializer()
        for (const session of merged) {
          aggregate = merger(record.key, aggregate, session.value)
          start = Math.min(start, session.key.window.start)
          end = Math.max(end, session.key.window.end)
        }
        if (end < closeTime) {
          ctx.recordDropped(`record at ${ts} is later than its session's grace period`)
          closer?.emit(record, closeTime, ctx)
          return
        }
        if (start !== ts || end !== ts) {
          for (const session of merged) {
            store.remove(session.key)
            forward({
              key: session.key,
              value: change<A>(null, session.value),
              timestamp: session.key.window.end,
              headers: record.headers,
            })
          }
        }
        aggregate = aggregator(record.key, record.value, aggregate)
        const key: Windowed<K> = { key: record.key, window: { start, end } }
        if (aggregate === null) store.remove(key)
        else store.put(key, aggregate)
        forward({ key, value: change(aggregate, null), timestamp: end, headers: record.headers })
        closer?.emit(record, closeTime, ctx)
      },
    }
  }
}

/**
 * Sliding window aggregation: Kafka Streams' KStreamSlidingWindowAggregate, step for step. Every window
 * spans `timeDifferenceMs`, both ends inclusive: the window ending at each record (its left window) and
 * the window starting just after it (its right window, when a later record falls in it). The existing
 * windows a reverse scan finds are updated first, then the missing ones are created; each is stamped
 * with the largest timestamp in it. Records with a null key or value are dropped. With a close
 * emitter (`EmitStrategy.onWindowClose()`), updates only go to the store.
 */
export function slidingAggregate<K, V, A>(
  storeName: string,
  windows: SlidingWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  onClose?: (store: () => WindowStore<unknown, A>) => WindowCloseEmitter,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  const diff = windows.timeDifferenceMs
  return () => {
    let ctx: Ctx
    let store: WindowStore<K, A>
    const streamTime = new ObservedStreamTime()
    const closer = onClose?.(() => store as WindowStore<unknown, A>)

    const forward = (
      record: StreamRecord<K, V>,
      start: number,
      agg: A | null,
      old: A | null,
      ts: number,
    ): void => {
      if (closer !== undefined) return
      ctx.forward({
        ...record,
        timestamp: ts,
        key: { key: record.key, window: { start, end: start + diff } },
        value: change(agg, old),
      })
    }

    /** Adds the record to a window (existing, or new with the given starting aggregate) and emits it. */
    const updateWindow = (
      record: StreamRecord<K, V>,
      start: number,
      current: ValueAndTimestamp<A | null> | undefined,
      closeTime: number,
    ): void => {
      if (start + diff < closeTime) {
        ctx.recordDropped(
          `sliding window [${start},${start + diff}] closed before the record at ${record.timestamp}`,
        )
        return
      }
      const oldAgg = current?.value ?? null
      const aggregate = aggregator(record.key, record.value, oldAgg as A)
      const ts = oldAgg === null ? record.timestamp : Math.max(record.timestamp, current?.timestamp ?? -1)
      store.putWithTimestamp(record.key, aggregate, start, ts)
      forward(record, start, aggregate, oldAgg, ts)
    }

    const fresh = (value: A | null, ts: number): ValueAndTimestamp<A | null> | undefined =>
      value === null ? undefined : { value, timestamp: ts }

    const createRightWindow = (record: StreamRecord<K, V>, rightAgg: ValueAndTimestamp<A>): void => {
      const start = record.timestamp + 1
      store.putWithTimestamp(record.key, rightAgg.value, start, rightAgg.timestamp)
      forward(record, start, rightAgg.value, null, rightAgg.timestamp)
    }

    const createWindows = (
      record: StreamRecord<K, V>,
      closeTime: number,
      starts: Set<number>,
      rightAgg: ValueAndTimestamp<A> | undefined,
      leftAgg: ValueAndTimestamp<A> | undefined,
      leftCreated: boolean,
      rightCreated: boolean,
      previous: number | undefined,
    ): void => {
      const ts = record.timestamp
      if (previous !== undefined) {
        const previousRightStart = previous + 1
        if (!starts.has(previousRightStart) && previousRightStart + diff >= ts) {
          updateWindow(record, previousRightStart, fresh(initializer(), ts), closeTime)
        }
      }
      if (!leftCreated) {
        const leftNotEmpty = previous !== undefined && ts - diff <= previous
        const seed = leftNotEmpty && leftAgg !== undefined ? leftAgg.value : initializer()
        updateWindow(record, ts - diff, fresh(seed, ts), closeTime)
      }
      if (!rightCreated && rightAgg !== undefined && rightAgg.timestamp > ts)
        createRightWindow(record, rightAgg)
    }

    const processReverse = (record: StreamRecord<K, V>, closeTime: number): void => {
      const ts = record.timestamp
      const starts = new Set<number>()
      let leftAgg: ValueAndTimestamp<A> | undefined
      let rightAgg: ValueAndTimestamp<A> | undefined
      let leftCreated = false
      let rightCreated = false
      let previous: number | undefined
      const found = store.fetchRange(record.key, Math.max(0, ts - 2 * diff), ts + 1).reverse()
      for (const entry of found) {
        const start = entry.windowStart
        starts.add(start)
        const end = start + diff
        const current = { value: entry.value, timestamp: entry.timestamp }
        if (start === ts + 1) {
          rightCreated = true
        } else if (end > ts) {
          rightAgg ??= current
          updateWindow(record, start, current, closeTime)
        } else if (end === ts) {
          leftCreated = true
          updateWindow(record, start, current, closeTime)
          if (entry.timestamp < ts) previous = entry.timestamp
          else return
        } else {
          leftAgg = current
          previous = entry.timestamp
          break
        }
      }
      createWindows(record, closeTime, starts, rightAgg, leftAgg, leftCreated, rightCreated, previous)
    }

    /** A record earlier than the time difference: its left window would start below 0, so [0, diff] holds it. */
    const processEarly = (record: StreamRecord<K, V>, closeTime: number): void => {
      const ts = record.timestamp
      let combined: WindowStoreEntryOf<A> | undefined
      let rightAgg: ValueAndTimestamp<A> | undefined
      let rightCreated = false
      const starts = new Set<number>()
      let previous: number | undefined
      for (const entry of store.fetchRange(record.key, 0, ts + 1)) {
        const start = entry.windowStart
        starts.add(start)
        if (start === 0) {
          combined = entry
          if (entry.timestamp < ts) previous = entry.timestamp
        } else if (start <= ts) {
          rightAgg = { value: entry.value, timestamp: entry.timestamp }
          updateWindow(record, start, rightAgg, closeTime)
        } else if (start === ts + 1) {
          rightCreated = true
        }
      }
      if (rightAgg === undefined && combined !== undefined && combined.timestamp > ts) {
        rightAgg = { value: combined.value, timestamp: combined.timestamp }
      }
      if (!rightCreated && rightAgg !== undefined && rightAgg.timestamp > ts)
        createRightWindow(record, rightAgg)
      if (previous !== undefined && !starts.has(previous + 1)) {
        updateWindow(record, previous + 1, fresh(initializer(), ts), closeTime)
      }
      if (combined === undefined) updateWindow(record, 0, fresh(initializer(), ts), closeTime)
      else updateWindow(record, 0, { value: combined.value, timestamp: combined.timestamp }, closeTime)
    }

    return {
      init(context) {
        ctx = context as Ctx
        store = context.getStateStore(storeName)
      },
      process(record) {
        if (isMissing(record.key) || isMissing(record.value)) {
          ctx.recordDropped('null key or value in a sliding window aggregation')
          return
        }
        const closeTime = streamTime.advance(record.timestamp) - windows.graceMs
        if (record.timestamp + diff < closeTime) {
          ctx.recordDropped(`record at ${record.timestamp} is later than its sliding windows' grace period`)
          return
        }
        // As Kafka's, a record earlier than the time difference emits no final results.
        if (record.timestamp < diff) processEarly(record, closeTime)
        else {
          processReverse(record, closeTime)
          closer?.emit(record, closeTime, ctx)
        }
      },
    }
  }
}

interface WindowStoreEntryOf<A> {
  readonly windowStart: number
  readonly value: A
  readonly timestamp: number
}
