import type { StockCommand } from '@oxagry/avro'
import type { MaybePromise, RecordHeaders, Serde } from '@oxagry/kafka'
import type { TimestampExtractor } from '@oxagry/streams'

/** A decoded command with the bytes it came in, so a refused one is dead-lettered as it was sent. */
export interface ReceivedCommand {
  readonly bytes: Buffer
  readonly command: StockCommand
}

/**
 * The command serde that keeps the bytes. Unlike tracking's, it does not catch: a command that does
 * not decode is the runtime's deserialization error, dead-lettered by its handler with the catalogue's
 * envelope (and a registry that is away stops the instance rather than losing commands).
 */
export function receivedCommandSerde(inner: Serde<StockCommand>): Serde<ReceivedCommand> {
  return {
    serialize: (_topic: string, value: ReceivedCommand): Buffer => value.bytes,
    deserialize(topic: string, data: Buffer, headers: RecordHeaders): MaybePromise<ReceivedCommand> {
      const decoded = inner.deserialize(topic, data, headers)
      if (decoded instanceof Promise) return decoded.then((command) => ({ bytes: data, command }))
      return { bytes: data, command: decoded }
    },
  }
}

/**
 * A command's record time is when it was made (`occurredAt`), so every stock event it causes carries
 * that time whenever it is processed or reprocessed; a tombstone keeps the Kafka timestamp.
 */
export const commandTimestampExtractor: TimestampExtractor = (record, _key, value) => {
  const t = (value as ReceivedCommand | null)?.command.occurredAt
  return t !== undefined && Number.isFinite(t) && t >= 0 ? t : record.timestamp
}
