import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { Processor, ProcessorContext } from '../processor/api.ts'
import type { Change, StreamRecord } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { compareKeyBytes } from '../state/key-order.ts'
import type { KeyValueStore } from '../state/store.ts'
import { deserializeSync, serializeSync } from '../state/sync-serde.ts'
import { entrySize, LEGACY_TIME, type SuppressEntry } from './suppress-buffer.ts'
import type { BufferConfig } from './suppressed.ts'

export interface SuppressProcessorOptions<K, V> {
  readonly node: string
  readonly bufferStoreName: string
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Where a key is placed in the buffer: its record's time, or its window's end. */
  readonly bufferTime: (record: StreamRecord<K, Change<V>>) => number
  /** How long past its buffer time a key waits: the time limit, or the window's grace. */
  readonly suppressDurationMs: number
  /** Final results only: a buffered delete is not emitted. */
  readonly safeToDropTombstones: boolean
  readonly buffer: BufferConfig
}

interface Indexed<K> {
  readonly key: K
  readonly bytes: Buffer
  readonly time: number
  /** Changes as later updates replace the key's value; its place (time, bytes) never does. */
  size: number
}

/**
 * Kafka Streams' KTableSuppressProcessor over an InMemoryTimeOrderedKeyValueChangeBuffer: each update
 * is buffered under its key, which keeps its place (the time of its first buffered update, then key
 * bytes) while later updates replace its value; after every update, entries whose time is at or
 * before stream time minus the duration are emitted in buffer order, then, over capacity, the oldest
 * ones early or the instance fails. An emitted record is the latest update (new and old value) with
 * its timestamp and headers. The entries live in a logged key-value store, so a restart loses none.
 */
export function suppressProcessor<K, V>(
  options: SuppressProcessorOptions<K, V>,
): () => Processor<K, Change<V>, K, Change<V>> {
  const { keySerde, valueSerde, bufferStoreName: storeName } = options
  const ser = (v: V | null): Buffer | null =>
    v === null ? null : serializeSync(valueSerde, storeName, v, 'suppressed value')
  const de = (b: Buffer | null): V | null =>
    b === null ? null : deserializeSync(valueSerde, storeName, b, 'suppressed value')
  return () => {
    let ctx: ProcessorContext<K, Change<V>>
    let store: KeyValueStore<K, SuppressEntry>
    let streamTime = -1
    let bytesUsed = 0
    /** Entries by (time, key bytes): what evicts first is at the front. */
    let order: Indexed<K>[] | undefined
    const byKey = new Map<string, Indexed<K>>()

    const compare = (a: Indexed<K>, b: Indexed<K>): number =>
      a.time - b.time || compareKeyBytes(a.bytes, b.bytes)
    /** Where the entry sits, or would: the first place not before it in buffer order. */
    const placeOf = (list: readonly Indexed<K>[], entry: Indexed<K>): number => {
      let lo = 0
      let hi = list.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (compare(list[mid] as Indexed<K>, entry) < 0) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    const insert = (entry: Indexed<K>): void => {
      const list = order as Indexed<K>[]
      list.splice(placeOf(list, entry), 0, entry)
    }
    const remove = (entry: Indexed<K>): void => {
      const list = order as Indexed<K>[]
      const at = placeOf(list, entry)
      if (list[at] === entry) list.splice(at, 1)
    }
    /**
     * Final results in an unbounded buffer: a delete of a key downstream never saw (its prior is null)
     * would wait for its window to close only to be dropped then, and read as null meanwhile, as the
     * parent table reads it now. Kafka keeps it until then; forgetting it at once changes neither the
     * output nor the suppressed view, and keeps the buffer to one entry per open window instead of one
     * per update (a session window that grows by every record replaces its key each time). A bounded
     * buffer keeps Kafka's way, so its capacity counts (and fails) where Kafka's does.
     */
    const forgetsUnseenDeletes =
      options.safeToDropTombstones &&
      options.buffer.maxRecords === Number.POSITIVE_INFINITY &&
      options.buffer.maxBytes === Number.POSITIVE_INFINITY
    /** Built from the store on first use: after a restore, the store holds what was buffered. */
    const index = (): Indexed<K>[] => {
      if (order !== undefined) return order
      order = []
      for (const { key, value } of store.all()) {
        const bytes = serializeSync(keySerde, storeName, key, 'suppressed key')
        const time =
          value.time === LEGACY_TIME
            ? options.bufferTime({
                key,
                value: { newValue: de(value.new), oldValue: null },
                timestamp: value.timestamp,
                headers: {},
              })
            : value.time
        const entry = { key, bytes, time, size: entrySize(bytes, value) }
        byKey.set(bytes.toString('latin1'), entry)
        bytesUsed += entry.size
        insert(entry)
      }
      return order
    }

    const put = (record: StreamRecord<K, Change<V>>): void => {
      const bytes = serializeSync(keySerde, storeName, record.key, 'suppressed key')
      const id = bytes.toString('latin1')
      const existing = byKey.get(id)
      const previous = existing === undefined ? undefined : store.get(existing.key)
      const unseen = previous === undefined ? record.value.oldValue === null : previous.prior === null
      if (forgetsUnseenDeletes && record.value.newValue === null && unseen) {
        if (existing === undefined) return
        byKey.delete(id)
        bytesUsed -= existing.size
        remove(existing)
        store.delete(record.key)
        return
      }
      const old = ser(record.value.oldValue)
      const value: SuppressEntry = {
        time: existing?.time ?? options.bufferTime(record),
        prior: previous === undefined ? old : previous.prior,
        old,
        new: ser(record.value.newValue),
        oldIsPrior: previous === undefined,
        timestamp: record.timestamp,
        topic: ctx.recordMetadata()?.topic ?? '',
        headers: record.headers,
      }
      store.put(record.key, value)
      const size = entrySize(bytes, value)
      if (existing !== undefined) {
        // Non-resetting: the key keeps its place in the buffer, only its size changes.
        bytesUsed += size - existing.size
        existing.size = size
        return
      }
      const entry = { key: record.key, bytes, time: value.time, size }
      bytesUsed += size
      byKey.set(id, entry)
      insert(entry)
    }

    /** Entries emitted by the running eviction, still at the front of the list until it ends. */
    let taken = 0
    const overCapacity = (): boolean =>
      index().length - taken > options.buffer.maxRecords || bytesUsed > options.buffer.maxBytes
    const head = (): Indexed<K> | undefined => index()[taken]

    const evictWhile = (predicate: () => boolean): void => {
      const list = index()
      try {
        while (taken < list.length && predicate()) evict(list[taken++] as Indexed<K>)
      } finally {
        // One splice for the whole eviction: shifting entries one by one would be quadratic.
        list.splice(0, taken)
        taken = 0
      }
    }

    const evict = (entry: Indexed<K>): void => {
      byKey.delete(entry.bytes.toString('latin1'))
      bytesUsed -= entry.size
      const value = store.get(entry.key)
      store.delete(entry.key)
      if (value === undefined) return
      const newValue = de(value.new)
      if (newValue === null && options.safeToDropTombstones) return
      ctx.forward({
        key: entry.key,
        value: { newValue, oldValue: de(value.old) },
        timestamp: value.timestamp,
        headers: value.headers,
      })
    }

    return {
      init(context) {
        ctx = context
        store = context.getStateStore(storeName)
      },
      process(record) {
        streamTime = Math.max(streamTime, record.timestamp)
        index()
        put(record)
        const expiry = streamTime - options.suppressDurationMs
        evictWhile(() => (head()?.time ?? Number.POSITIVE_INFINITY) <= expiry)
        if (!overCapacity()) return
        if (options.buffer.whenFull === 'emitEarlyWhenFull') {
          evictWhile(overCapacity)
          return
        }
        throw new StreamsError(
          STREAMS_ERROR_CODES.SUPPRESS_BUFFER_FULL,
          `${options.node} buffer exceeded its max capacity. Currently [${index().length - taken}/${options.buffer.maxRecords}] records and [${bytesUsed}/${options.buffer.maxBytes}] bytes.`,
          { context: { node: options.node, store: storeName } },
        )
      },
    }
  }
}
