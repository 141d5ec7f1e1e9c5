import type { Processor, ProcessorContext } from '../processor/api.ts'
import type { Change, StreamRecord, Window, Windowed } from '../record.ts'
import type { KeyValueStore, SessionStore, WindowStore } from '../state/store.ts'
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

/** Stream aggregation into a key-value store; emits the table update. */
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
    const old = store.get(record.key) ?? null
    const aggregate = aggregator(record.key, record.value, old ?? initializer())
    store.put(record.key, aggregate)
    ctx.forward({ ...record, value: change(aggregate, old) })
  })
}

/** A table materialized from a stream or topic: tombstones delete, updates carry the old value. */
export function tableSource<K, V>(storeName: string): () => Processor<K, V | null, K, Change<V>> {
  return withStore<K, V | null, K, Change<V>, KeyValueStore<K, V>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key)) {
      ctx.recordDropped('null key for a table')
      return
    }
    const old = store.get(record.key) ?? null
    const value = record.value ?? null
    if (value === null && old === null) return
    store.put(record.key, value)
    ctx.forward({ ...record, value: change(value, old) })
  })
}

/** A derived table's update, optionally kept in its own store (when materialized). */
export function tableTransform<K, V, R>(
  transform: (key: K, value: V) => R | null,
  storeName: string | undefined,
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
        if (n === null && o === null) return
        store?.put(record.key, n)
        ctx.forward({ ...record, value: change(n, o) })
      },
    }
  }
}

/** Re-keys table updates: the old value is subtracted under its key, the new one added under its. */
export function tableRepartitionMap<K, V, K2, V2>(
  selector: (key: K, value: V) => { key: K2; value: V2 },
): () => Processor<K, Change<V>, K2, Change<V2>> {
  return () => {
    let ctx: Ctx
    return {
      init(context) {
        ctx = context as Ctx
      },
      process(record) {
        const { newValue, oldValue } = record.value
        if (oldValue !== null) {
          const old = selector(record.key, oldValue)
          if (isMissing(old.key)) ctx.recordDropped('table groupBy selected a null key')
          else ctx.forward({ ...record, key: old.key, value: change(null, old.value) })
        }
        if (newValue !== null) {
          const added = selector(record.key, newValue)
          if (isMissing(added.key)) ctx.recordDropped('table groupBy selected a null key')
          else ctx.forward({ ...record, key: added.key, value: change(added.value, null) })
        }
      },
    }
  }
}

/** Aggregates table updates with an adder and a subtractor, as KGroupedTable does. */
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
    const old = store.get(record.key) ?? null
    let aggregate = old ?? initializer()
    if (record.value.oldValue !== null) aggregate = subtractor(record.key, record.value.oldValue, aggregate)
    if (record.value.newValue !== null) aggregate = adder(record.key, record.value.newValue, aggregate)
    store.put(record.key, aggregate)
    ctx.forward({ ...record, value: change(aggregate, old) })
  })
}

/** Tumbling and hopping window aggregation; records too late for every window are dropped, loudly. */
export function windowAggregate<K, V, A>(
  storeName: string,
  windows: TimeWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  return withStore<K, V, Windowed<K>, Change<A>, WindowStore<K, A>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key) || isMissing(record.value)) {
      ctx.recordDropped('null key or value in a windowed aggregation')
      return
    }
    const closeTime = ctx.currentStreamTimeMs() - windows.graceMs
    let accepted = false
    for (const window of windows.windowsFor(record.timestamp)) {
      if (window.end <= closeTime) continue
      accepted = true
      const old = store.fetch(record.key, window.start) ?? null
      const aggregate = aggregator(record.key, record.value, old ?? initializer())
      store.put(record.key, aggregate, window.start)
      ctx.forward({ ...record, key: { key: record.key, window }, value: change(aggregate, old) })
    }
    if (!accepted) ctx.recordDropped(`record at ${record.timestamp} is later than its windows' grace period`)
    store.expire(ctx.currentStreamTimeMs() - store.retentionMs)
  })
}

/** Session aggregation: merges every session within the gap of the record into one. */
export function sessionAggregate<K, V, A>(
  storeName: string,
  windows: SessionWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  merger: Merger<K, A>,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  return withStore<K, V, Windowed<K>, Change<A>, SessionStore<K, A>>(storeName, (record, ctx, store) => {
    if (isMissing(record.key) || isMissing(record.value)) {
      ctx.recordDropped('null key or value in a session aggregation')
      return
    }
    const ts = record.timestamp
    // A session may still grow by a record within the gap after its end: it closes at end + gap + grace.
    const closeTime = ctx.currentStreamTimeMs() - windows.graceMs - windows.inactivityGapMs
    const overlapping = store.findSessions(
      record.key,
      ts - windows.inactivityGapMs,
      ts + windows.inactivityGapMs,
    )
    let start = ts
    let end = ts
    let aggregate = initializer()
    for (const session of overlapping) {
      start = Math.min(start, session.key.window.start)
      end = Math.max(end, session.key.window.end)
      aggregate = merger(record.key, aggregate, session.value)
    }
    if (end < closeTime) {
      ctx.recordDropped(`record at ${ts} is later than its session's grace period`)
      return
    }
    aggregate = aggregator(record.key, record.value, aggregate)
    for (const session of overlapping) {
      if (session.key.window.start === start && session.key.window.end === end) continue
      store.remove(session.key)
      ctx.forward({ ...record, key: session.key, value: change<A>(null, session.value) })
    }
    const window: Window = { start, end }
    const previous =
      overlapping.find((s) => s.key.window.start === start && s.key.window.end === end)?.value ?? null
    store.put({ key: record.key, window }, aggregate)
    ctx.forward({ ...record, key: { key: record.key, window }, value: change(aggregate, previous) })
    store.expire(ctx.currentStreamTimeMs() - store.retentionMs)
  })
}

/**
 * Sliding window aggregation. Every window spans `timeDifferenceMs`, both ends inclusive, and is
 * identified by its start: the window ending at each record (its left window) and the window starting
 * just after it (its right window, when a later record falls in it). A record updates every window
 * that covers it; aggregates are recomputed from the key's records still inside the grace period.
 */
export function slidingAggregate<K, V, A>(
  storeName: string,
  recordsStoreName: string,
  windows: SlidingWindows,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
): () => Processor<K, V, Windowed<K>, Change<A>> {
  const diff = windows.timeDifferenceMs
  return () => {
    let ctx: Ctx
    let store: WindowStore<K, A>
    let records: KeyValueStore<K, TimestampedValues<V>>
    return {
      init(context) {
        ctx = context as Ctx
        store = context.getStateStore(storeName)
        records = context.getStateStore(recordsStoreName)
      },
      process(record) {
        if (isMissing(record.key) || isMissing(record.value)) {
          ctx.recordDropped('null key or value in a sliding window aggregation')
          return
        }
        const t = record.timestamp
        const streamTime = ctx.currentStreamTimeMs()
        const closeTime = streamTime - windows.graceMs
        // Too late even for the right window just after it: every window it could be in has closed.
        if (t + 1 + diff <= closeTime) {
          ctx.recordDropped(`record at ${t} is later than its sliding windows' grace period`)
          return
        }
        const horizon = streamTime - diff * 2 - windows.graceMs - 1
        const kept = (records.get(record.key) ?? []).filter(([ts]) => ts >= horizon)
        kept.push([t, record.value])
        kept.sort((a, b) => a[0] - b[0])
        records.put(record.key, kept)

        const starts = new Set<number>([Math.max(0, t - diff)])
        for (const [ts] of kept) {
          if (ts > t && ts <= t + diff) starts.add(Math.max(0, ts - diff))
          if (ts < t && ts >= t - diff - 1) starts.add(ts + 1)
          if (ts > t && ts <= t + 1 + diff) starts.add(t + 1)
        }
        for (const start of [...starts].sort((a, b) => a - b)) {
          const end = start + diff
          const inside = kept.filter(([ts]) => ts >= start && ts <= end)
          if (inside.length === 0 || end < closeTime) continue
          let aggregate = initializer()
          for (const [, value] of inside) aggregate = aggregator(record.key, value, aggregate)
          const old = store.fetch(record.key, start) ?? null
          store.put(record.key, aggregate, start)
          ctx.forward({
            ...record,
            key: { key: record.key, window: { start, end } },
            value: change(aggregate, old),
          })
        }
        store.expire(streamTime - store.retentionMs)
      },
    }
  }
}

/** The records of one key a sliding aggregation still needs: [timestamp, value] pairs. */
export type TimestampedValues<V> = [number, V][]

/** Emits each window's final result once, when stream time passes its end plus grace. */
export function suppressUntilWindowCloses<K, V>(
  bufferStoreName: string,
  graceMs: number,
): () => Processor<Windowed<K>, Change<V>, Windowed<K>, Change<V>> {
  return () => {
    let ctx: Ctx
    let buffer: KeyValueStore<Windowed<K>, BufferedValue<V>>
    // The earliest window end buffered: until stream time passes it plus grace, nothing is due.
    let earliestEnd = Number.NEGATIVE_INFINITY
    const evict = (streamTime: number): void => {
      if (streamTime < earliestEnd + graceMs) return
      const due: { key: Windowed<K>; value: BufferedValue<V> }[] = []
      let nextEarliest = Number.POSITIVE_INFINITY
      for (const entry of buffer.all()) {
        if (entry.key.window.end + graceMs <= streamTime) due.push(entry)
        else nextEarliest = Math.min(nextEarliest, entry.key.window.end)
      }
      earliestEnd = nextEarliest
      due.sort((a, b) => a.key.window.end - b.key.window.end || a.value.timestamp - b.value.timestamp)
      for (const { key, value } of due) {
        buffer.delete(key)
        ctx.forward({ key, value: change(value.value, null), timestamp: value.timestamp, headers: {} })
      }
    }
    return {
      init(context) {
        ctx = context as Ctx
        buffer = context.getStateStore(bufferStoreName)
        context.schedule(1, 'STREAM_TIME', evict)
      },
      process(record: StreamRecord<Windowed<K>, Change<V>>) {
        const streamTime = ctx.currentStreamTimeMs()
        if (record.key.window.end + graceMs <= streamTime && buffer.get(record.key) === undefined) {
          // A window that already closed (its result went out) gets no second, late emission.
          if (record.value.newValue !== null) ctx.recordDropped('update to a window that already closed')
          return
        }
        if (record.value.newValue === null) buffer.delete(record.key)
        else {
          buffer.put(record.key, { value: record.value.newValue, timestamp: record.timestamp })
          earliestEnd = Math.min(earliestEnd, record.key.window.end)
        }
        evict(streamTime)
      },
    }
  }
}

export interface BufferedValue<V> {
  readonly value: V
  readonly timestamp: number
}
