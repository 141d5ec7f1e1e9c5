/**
 * Serdes turn keys and values into bytes and back. Tombstones never reach them: a null key or value
 * is null bytes on the wire, and the runtime maps one to the other.
 *
 * A serde may answer with a promise (a schema registry lookup on a cold cache); the runtime awaits
 * only then, so a warm serde costs no microtask. The test driver needs answers without promises.
 */
export type MaybePromise<T> = T | Promise<T>

/** Record headers as the runtime hands them to serdes and processors. */
export type RecordHeaders = Record<string, Buffer>

export interface Serializer<T> {
  serialize(topic: string, data: T, headers: RecordHeaders): MaybePromise<Buffer>
}

export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer, headers: RecordHeaders): MaybePromise<T>
}

export interface Serde<T> extends Serializer<T>, Deserializer<T> {}

function sync<T>(serialize: (data: T) => Buffer, deserialize: (data: Buffer) => T): Serde<T> {
  return { serialize: (_topic, data) => serialize(data), deserialize: (_topic, data) => deserialize(data) }
}

/** The built-in serdes, as Kafka's `Serdes` class offers them. */
export const Serdes = {
  String: (): Serde<string> =>
    sync(
      (s) => Buffer.from(s, 'utf8'),
      (b) => b.toString('utf8'),
    ),
  Buffer: (): Serde<Buffer> =>
    sync(
      (b) => b,
      (b) => b,
    ),
  /** JSON text; for values whose shape TypeScript already checks. */
  Json: <T>(): Serde<T> =>
    sync(
      (v) => Buffer.from(JSON.stringify(v), 'utf8'),
      (b) => JSON.parse(b.toString('utf8')) as T,
    ),
  /** A signed 64-bit big-endian integer, as Kafka's LongSerializer writes it. */
  Long: (): Serde<number> =>
    sync(
      (n) => {
        const b = Buffer.alloc(8)
        b.writeBigInt64BE(BigInt(Math.trunc(n)))
        return b
      },
      (b) => Number(b.readBigInt64BE(0)),
    ),
  /** A signed 32-bit big-endian integer, as Kafka's IntegerSerializer writes it. */
  Integer: (): Serde<number> =>
    sync(
      (n) => {
        const b = Buffer.alloc(4)
        b.writeInt32BE(n)
        return b
      },
      (b) => b.readInt32BE(0),
    ),
  /** An IEEE 754 double, big-endian, as Kafka's DoubleSerializer writes it. */
  Double: (): Serde<number> =>
    sync(
      (n) => {
        const b = Buffer.alloc(8)
        b.writeDoubleBE(n)
        return b
      },
      (b) => b.readDoubleBE(0),
    ),
} as const
