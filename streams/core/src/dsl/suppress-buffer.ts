import type { RecordHeaders, Serde } from '@oxagry/kafka'
import { NO_TIMESTAMP, type KeyValueStore } from '../state/store.ts'
import { deserializeSync } from '../state/sync-serde.ts'
import type { ValueGetter } from './ktable.ts'

/**
 * One key's entry in a suppression buffer, in bytes as Kafka's BufferValue: the value the key had before
 * it was first buffered (`prior`), the latest update's old and new values, and the latest update's
 * record context (timestamp, headers, topic), which the emitted record carries.
 */
export interface SuppressEntry {
  /** Where the key sits in the buffer: the time of its first update since it was last emitted. */
  readonly time: number
  readonly prior: Buffer | null
  readonly old: Buffer | null
  readonly new: Buffer | null
  /** Whether `old` is `prior` (the first update): Kafka counts those bytes once. */
  readonly oldIsPrior: boolean
  readonly timestamp: number
  readonly topic: string
  readonly headers: RecordHeaders
}

/**
 * Kafka's estimate of an entry's size (InMemoryTimeOrderedKeyValueChangeBuffer.computeRecordSize): the
 * buffer time, the key, the values, and the record context (timestamp, offset, topic, partition, headers).
 */
export function entrySize(keyBytes: Buffer, entry: SuppressEntry): number {
  const len = (b: Buffer | null): number => (b === null ? 0 : b.length)
  let headers = 0
  for (const [name, value] of Object.entries(entry.headers)) headers += name.length + value.length
  return (
    8 +
    keyBytes.length +
    len(entry.prior) +
    (entry.oldIsPrior ? 0 : len(entry.old)) +
    len(entry.new) +
    8 +
    8 +
    entry.topic.length +
    4 +
    headers
  )
}

const NULL = -1

/**
 * The layout's first byte. The buffer of `untilWindowCloses` before `untilTimeLimit` existed held the
 * record timestamp (8 bytes, big-endian, so a first byte of 0x00, or 0xff for a negative one) and the
 * value: its changelog records still restore, placed by their key's window end.
 */
const FORMAT = 0x02

/** Marks a restored entry of the earlier layout: its buffer time is its key's window end. */
export const LEGACY_TIME = Number.MIN_SAFE_INTEGER

function legacyEntry(data: Buffer): SuppressEntry {
  return {
    time: LEGACY_TIME,
    prior: null,
    old: null,
    new: Buffer.from(data.subarray(8)),
    oldIsPrior: true,
    timestamp: Number(data.readBigInt64BE(0)),
    topic: '',
    headers: {},
  }
}

/** The buffer store's value: a small length-prefixed layout, internal to this package. */
export const suppressEntrySerde: Serde<SuppressEntry> = {
  serialize: (_topic, e) => {
    const parts: Buffer[] = []
    const head = Buffer.allocUnsafe(18)
    head.writeUInt8(FORMAT, 0)
    head.writeBigInt64BE(BigInt(e.time), 1)
    head.writeBigInt64BE(BigInt(e.timestamp), 9)
    head.writeUInt8(e.oldIsPrior ? 1 : 0, 17)
    parts.push(head)
    const bytes = (b: Buffer | null): void => {
      const n = Buffer.allocUnsafe(4)
      n.writeInt32BE(b === null ? NULL : b.length)
      parts.push(n)
      if (b !== null) parts.push(b)
    }
    bytes(e.prior)
    bytes(e.old)
    bytes(e.new)
    bytes(Buffer.from(e.topic, 'utf8'))
    const headers = Object.entries(e.headers)
    const count = Buffer.allocUnsafe(4)
    count.writeInt32BE(headers.length)
    parts.push(count)
    for (const [name, value] of headers) {
      bytes(Buffer.from(name, 'utf8'))
      bytes(value)
    }
    return Buffer.concat(parts)
  },
  deserialize: (_topic, data) => {
    if (data.readUInt8(0) !== FORMAT) return legacyEntry(data)
    let at = 18
    const bytes = (): Buffer | null => {
      const n = data.readInt32BE(at)
      at += 4
      if (n === NULL) return null
      const b = Buffer.from(data.subarray(at, at + n))
      at += n
      return b
    }
    const time = Number(data.readBigInt64BE(1))
    const timestamp = Number(data.readBigInt64BE(9))
    const oldIsPrior = data.readUInt8(17) === 1
    const prior = bytes()
    const old = bytes()
    const next = bytes()
    const topic = (bytes() ?? Buffer.alloc(0)).toString('utf8')
    const count = data.readInt32BE(at)
    at += 4
    const headers: Record<string, Buffer> = {}
    for (let i = 0; i < count; i++) {
      const name = (bytes() ?? Buffer.alloc(0)).toString('utf8')
      headers[name] = bytes() ?? Buffer.alloc(0)
    }
    return { time, prior, old, new: next, oldIsPrior, timestamp, topic, headers }
  },
}

/**
 * Reads a suppressed table as Kafka's suppress view does: a key waiting in the buffer reads as it was
 * before it was first buffered (what downstream has seen), with no timestamp (Kafka cannot know it
 * either); any other key reads through the parent table.
 */
export function suppressedGetter<K, V>(
  parent: ValueGetter<K, V>,
  bufferStoreName: string,
  valueSerde: Serde<V>,
): ValueGetter<K, V> {
  return {
    storeNames: [...parent.storeNames, bufferStoreName],
    bind: (stores) => {
      const lookup = parent.bind(stores)
      const buffer = stores(bufferStoreName) as unknown as KeyValueStore<K, SuppressEntry>
      return (key) => {
        const entry = buffer.get(key)
        if (entry === undefined) return lookup(key)
        if (entry.prior === null) return null
        const value = deserializeSync(valueSerde, bufferStoreName, entry.prior, 'suppressed value')
        return { value, timestamp: NO_TIMESTAMP }
      }
    },
  }
}
