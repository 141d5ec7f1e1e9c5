import type { ProcessorContext } from '../processor/api.ts'
import type { Change, StreamRecord, Windowed } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { NO_TIMESTAMP, type SessionStore, type WindowStore } from '../state/store.ts'
import { serializeSync } from '../state/sync-serde.ts'
import type { SlidingWindows, TimeWindows } from './windows.ts'

type Ctx = ProcessorContext<unknown, unknown>

/**
 * Emits the final results of the windows a windowed aggregation closed, as Kafka Streams'
 * `maybeForwardFinalResult` under `EmitStrategy.onWindowClose()`: called after every record (also one
 * dropped as late), it emits, once the aggregation's close time (stream time minus grace) has moved
 * past the last one it emitted at, every window of the store that closed in between.
 */
export interface WindowCloseEmitter {
  emit(record: StreamRecord<unknown, unknown>, closeTime: number, ctx: Ctx): void
}

interface Due<A> {
  readonly key: Windowed<unknown>
  readonly value: A
  readonly timestamp: number
  readonly bytes: Buffer
}

function forwardAll<A>(due: Due<A>[], record: StreamRecord<unknown, unknown>, ctx: Ctx): void {
  for (const d of due) {
    const value: Change<A> = { newValue: d.value, oldValue: null }
    ctx.forward({ key: d.key, value, timestamp: d.timestamp, headers: record.headers })
  }
}

/** Which windows a window store's emitter reads: its bounds on window start, inclusive. */
interface StartBounds {
  /** The window's end from its start. */
  readonly end: (start: number) => number
  readonly lower: (lastEmitCloseTime: number) => number
  readonly upper: (closeTime: number) => number
  /** Kafka's `shouldRangeFetch`: false keeps the last close time, so the next fetch starts as low. */
  readonly shouldFetch: (lower: number, upper: number, lastEmitCloseTime: number) => boolean
}

function windowStoreCloseEmitter<A>(
  storeName: string,
  keySerde: Serde<unknown>,
  store: () => WindowStore<unknown, A>,
  bounds: StartBounds,
): WindowCloseEmitter {
  let lastEmitCloseTime = NO_TIMESTAMP
  return {
    emit(record, closeTime, ctx) {
      if (lastEmitCloseTime !== NO_TIMESTAMP && lastEmitCloseTime >= closeTime) return
      const upper = bounds.upper(closeTime)
      if (upper < 0) return
      const lower = lastEmitCloseTime === NO_TIMESTAMP ? 0 : bounds.lower(lastEmitCloseTime)
      if (!bounds.shouldFetch(lower, upper, lastEmitCloseTime)) return
      const windowStore = store()
      const due: Due<A>[] = []
      for (const { key } of windowStore.all()) {
        const start = key.window.start
        if (start < lower || start > upper) continue
        const found = windowStore.fetchWithTimestamp(key.key, start)
        if (found === undefined) continue
        due.push({
          key: { key: key.key, window: { start, end: bounds.end(start) } },
          value: found.value,
          timestamp: found.timestamp,
          bytes: serializeSync(keySerde, storeName, key.key, 'window key'),
        })
      }
      // Kafka's in-memory window store reads a time range by start, then key bytes.
      due.sort((a, b) => a.key.window.start - b.key.window.start || Buffer.compare(a.bytes, b.bytes))
      forwardAll(due, record, ctx)
      lastEmitCloseTime = closeTime
    },
  }
}

/**
 * Tumbling and hopping windows (KStreamWindowAggregate): windows whose start lies in
 * [last close - size + 1, close - size] (from 0 the first time), read from the window store (which
 * hides what its retention expired), by start, then serialized key; each stamped with its aggregate's
 * timestamp. A window whose end is at or before the close time is closed.
 */
export function timeWindowCloseEmitter<A>(
  storeName: string,
  windows: TimeWindows,
  keySerde: Serde<unknown>,
  store: () => WindowStore<unknown, A>,
): WindowCloseEmitter {
  const size = windows.sizeMs
  const starts = (time: number): string =>
    windows
      .windowsFor(time)
      .map((w) => w.start)
      .join(',')
  return windowStoreCloseEmitter(storeName, keySerde, store, {
    end: (start) => start + size,
    lower: (last) => Math.max(0, last - size) + 1,
    upper: (close) => close - size,
    // No fetch when no window starts between the bounds (the windows holding each are the same).
    shouldFetch: (lower, upper, last) => last === NO_TIMESTAMP || starts(upper) !== starts(lower - 1),
  })
}

/**
 * Sliding windows (KStreamSlidingWindowAggregate): both ends inclusive, so a window is closed once its
 * end is below the close time; windows whose start lies in [last close - difference, close - difference
 * - 1] (from 0 the first time).
 */
export function slidingWindowCloseEmitter<A>(
  storeName: string,
  windows: SlidingWindows,
  keySerde: Serde<unknown>,
  store: () => WindowStore<unknown, A>,
): WindowCloseEmitter {
  const diff = windows.timeDifferenceMs
  return windowStoreCloseEmitter(storeName, keySerde, store, {
    end: (start) => start + diff,
    lower: (last) => Math.max(0, last - diff),
    upper: (close) => close - diff - 1,
    shouldFetch: () => true,
  })
}

/**
 * Session windows (KStreamSessionWindowAggregate): sessions whose end lies in [last close, close - 1]
 * (from 0 the first time), by end, then serialized key, then start; each stamped with its end. The
 * close time here is stream time minus gap minus grace.
 */
export function sessionWindowCloseEmitter<A>(
  storeName: string,
  keySerde: Serde<unknown>,
  store: () => SessionStore<unknown, A>,
): WindowCloseEmitter {
  let lastEmitCloseTime = NO_TIMESTAMP
  return {
    emit(record, closeTime, ctx) {
      if (lastEmitCloseTime !== NO_TIMESTAMP && lastEmitCloseTime >= closeTime) return
      const upper = closeTime - 1
      if (upper < 0) return
      const lower = Math.max(0, lastEmitCloseTime)
      if (upper < lower) return
      const due: Due<A>[] = []
      for (const { key, value } of store().all()) {
        const end = key.window.end
        if (end < lower || end > upper) continue
        due.push({
          key,
          value,
          timestamp: end,
          bytes: serializeSync(keySerde, storeName, key.key, 'session key'),
        })
      }
      due.sort(
        (a, b) =>
          a.key.window.end - b.key.window.end ||
          Buffer.compare(a.bytes, b.bytes) ||
          a.key.window.start - b.key.window.start,
      )
      forwardAll(due, record, ctx)
      lastEmitCloseTime = closeTime
    },
  }
}
