import type { Change, Windowed } from './record.ts'
import type { MaybePromise, RecordHeaders, Serde } from '@oxagry/kafka'

function then<T, R>(value: MaybePromise<T>, fn: (v: T) => R): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value)
}

/** Serdes for windowed keys, byte-compatible with Kafka Streams' `WindowedSerdes`. */
export const WindowedSerdes = {
  /** Key bytes, then the window start (8 bytes); the end is start + size. */
  timeWindowed<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
    return {
      serialize: (topic, data, headers) =>
        then(inner.serialize(topic, data.key, headers), (keyBytes) => {
          const out = Buffer.allocUnsafe(keyBytes.length + 8)
          keyBytes.copy(out)
          out.writeBigInt64BE(BigInt(data.window.start), keyBytes.length)
          return out
        }),
      deserialize: (topic, data, headers) => {
        const start = Number(data.readBigInt64BE(data.length - 8))
        return then(inner.deserialize(topic, data.subarray(0, data.length - 8), headers), (key) => ({
          key,
          window: { start, end: start + windowSizeMs },
        }))
      },
    }
  },
  /** Key bytes, then the session end and start (8 bytes each). */
  sessionWindowed<K>(inner: Serde<K>): Serde<Windowed<K>> {
    return {
      serialize: (topic, data, headers) =>
        then(inner.serialize(topic, data.key, headers), (keyBytes) => {
          const out = Buffer.allocUnsafe(keyBytes.length + 16)
          keyBytes.copy(out)
          out.writeBigInt64BE(BigInt(data.window.end), keyBytes.length)
          out.writeBigInt64BE(BigInt(data.window.start), keyBytes.length + 8)
          return out
        }),
      deserialize: (topic, data, headers) => {
        const n = data.length - 16
        const end = Number(data.readBigInt64BE(n))
        const start = Number(data.readBigInt64BE(n + 8))
        return then(inner.deserialize(topic, data.subarray(0, n), headers), (key) => ({
          key,
          window: { start, end },
        }))
      },
    }
  },
} as const

/**
 * A table update on a repartition topic: a flag byte (1 = new value present, 2 = old value present),
 * the new value's length (4 bytes) and bytes, then the old value's bytes.
 */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  const EMPTY = Buffer.alloc(0)
  const serializeAsync = async (topic: string, data: Change<V>, headers: RecordHeaders): Promise<Buffer> => {
    const n = data.newValue === null ? EMPTY : await inner.serialize(topic, data.newValue, headers)
    const o = data.oldValue === null ? EMPTY : await inner.serialize(topic, data.oldValue, headers)
    return frame(data, n, o)
  }
  const frame = (data: Change<V>, n: Buffer, o: Buffer): Buffer => {
    const head = Buffer.allocUnsafe(5)
    head.writeUInt8((data.newValue === null ? 0 : 1) | (data.oldValue === null ? 0 : 2), 0)
    head.writeUInt32BE(n.length, 1)
    return Buffer.concat([head, n, o])
  }
  return {
    serialize: (topic, data, headers) => {
      const n = data.newValue === null ? EMPTY : inner.serialize(topic, data.newValue, headers)
      const o = data.oldValue === null ? EMPTY : inner.serialize(topic, data.oldValue, headers)
      if (n instanceof Promise || o instanceof Promise) return serializeAsync(topic, data, headers)
      return frame(data, n, o)
    },
    deserialize: (topic, data, headers) => {
      const flags = data.readUInt8(0)
      const length = data.readUInt32BE(1)
      const n = flags & 1 ? inner.deserialize(topic, data.subarray(5, 5 + length), headers) : null
      const o = flags & 2 ? inner.deserialize(topic, data.subarray(5 + length), headers) : null
      if (n instanceof Promise || o instanceof Promise) {
        return Promise.all([n, o]).then(([newValue, oldValue]) => ({ newValue, oldValue }))
      }
      return { newValue: n, oldValue: o }
    },
  }
}
