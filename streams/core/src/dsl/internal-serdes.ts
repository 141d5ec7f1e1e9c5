import type { MaybePromise, Serde } from '@oxagry/kafka'
import type { BufferedValue, TimestampedValues } from './processors.ts'

function settle<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some((v) => v instanceof Promise) ? Promise.all(values) : (values as T[])
}

/** A suppression buffer entry: the record timestamp (8 bytes), then the value. */
export function bufferedValueSerde<V>(inner: Serde<V>): Serde<BufferedValue<V>> {
  const frame = (timestamp: number, bytes: Buffer): Buffer => {
    const head = Buffer.allocUnsafe(8)
    head.writeBigInt64BE(BigInt(timestamp))
    return Buffer.concat([head, bytes])
  }
  return {
    serialize: (topic, data, headers) => {
      const bytes = inner.serialize(topic, data.value, headers)
      return bytes instanceof Promise
        ? bytes.then((b) => frame(data.timestamp, b))
        : frame(data.timestamp, bytes)
    },
    deserialize: (topic, data, headers) => {
      const timestamp = Number(data.readBigInt64BE(0))
      const value = inner.deserialize(topic, data.subarray(8), headers)
      return value instanceof Promise ? value.then((v) => ({ value: v, timestamp })) : { value, timestamp }
    },
  }
}

/** The records a sliding aggregation keeps per key: a count, then (timestamp, length, bytes) each. */
export function timestampedValuesSerde<V>(inner: Serde<V>): Serde<TimestampedValues<V>> {
  const frame = (data: TimestampedValues<V>, parts: Buffer[]): Buffer => {
    const chunks: Buffer[] = []
    const count = Buffer.allocUnsafe(4)
    count.writeUInt32BE(data.length)
    chunks.push(count)
    data.forEach(([ts], i) => {
      const part = parts[i] ?? Buffer.alloc(0)
      const head = Buffer.allocUnsafe(12)
      head.writeBigInt64BE(BigInt(ts))
      head.writeUInt32BE(part.length, 8)
      chunks.push(head, part)
    })
    return Buffer.concat(chunks)
  }
  return {
    serialize: (topic, data, headers) => {
      const parts = settle(data.map(([, v]) => inner.serialize(topic, v, headers)))
      return parts instanceof Promise ? parts.then((p) => frame(data, p)) : frame(data, parts)
    },
    deserialize: (topic, data, headers) => {
      const count = data.readUInt32BE(0)
      const stamps: number[] = []
      const values: MaybePromise<V>[] = []
      let at = 4
      for (let i = 0; i < count; i++) {
        stamps.push(Number(data.readBigInt64BE(at)))
        const length = data.readUInt32BE(at + 8)
        values.push(inner.deserialize(topic, data.subarray(at + 12, at + 12 + length), headers))
        at += 12 + length
      }
      const settled = settle(values)
      const pair = (vs: V[]): TimestampedValues<V> => vs.map((v, i) => [stamps[i] ?? 0, v])
      return settled instanceof Promise ? settled.then(pair) : pair(settled)
    },
  }
}
