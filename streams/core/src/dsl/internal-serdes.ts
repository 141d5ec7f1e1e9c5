import type { Serde } from '@oxagry/kafka'
import type { BufferedValue } from './processors.ts'

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
