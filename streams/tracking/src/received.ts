import type { MachinePing } from '@oxagry/avro'
import type { MaybePromise, RecordHeaders, Serde } from '@oxagry/kafka'
import type { TimestampExtractor } from '@oxagry/streams'

/**
 * A ping as read from the topic: the decoded value beside its original bytes. Dead letters must carry
 * the bytes untouched (a replay produces them back), and a processor never sees bytes otherwise.
 */
export interface ReceivedPing {
  readonly bytes: Buffer
  /** Absent when the bytes do not decode: then `failure` says why. */
  readonly ping: MachinePing | undefined
  readonly failure: { readonly code: string; readonly message: string } | undefined
  /**
   * The record's Kafka timestamp (when the unit sent it). Only the timestamp extractor sees it, so the
   * extractor writes it here; the future-time check compares the fix with it, not with our clock.
   */
  receivedAt: number
}

function failed(bytes: Buffer, error: unknown): ReceivedPing {
  // A registry that is away is worth retrying: the runtime's handler sees those, not the dead-letter topic.
  if ((error as { retriable?: unknown }).retriable === true) throw error
  const code = (error as { code?: unknown }).code
  return {
    bytes,
    ping: undefined,
    failure: {
      code: typeof code === 'string' ? code : 'OXA_TRACKING_UNREADABLE',
      message: error instanceof Error ? error.message : String(error),
    },
    receivedAt: 0,
  }
}

/**
 * Wraps the ping serde so undecodable bytes become a value the validator dead-letters as a
 * `DeadLetter` envelope like every other refusal, instead of the runtime's raw-bytes dead letter.
 */
export function receivedPingSerde(inner: Serde<MachinePing>): Serde<ReceivedPing> {
  const ok = (bytes: Buffer, ping: MachinePing): ReceivedPing => ({
    bytes,
    ping,
    failure: undefined,
    receivedAt: 0,
  })
  return {
    serialize: (_topic: string, value: ReceivedPing): Buffer => value.bytes,
    deserialize(topic: string, data: Buffer, headers: RecordHeaders): MaybePromise<ReceivedPing> {
      let decoded: MaybePromise<MachinePing>
      try {
        decoded = inner.deserialize(topic, data, headers)
      } catch (error) {
        return failed(data, error)
      }
      if (decoded instanceof Promise) {
        return decoded.then(
          (ping) => ok(data, ping),
          (error: unknown) => failed(data, error),
        )
      }
      return ok(data, decoded)
    },
  }
}

/**
 * Event time is the fix's GPS time, so windows and stream time follow the machines, not the network.
 * A fix claiming to be from the future (beyond the skew) or before 1970 keeps the record's own
 * timestamp instead: one broken unit must not push stream time ahead and close every session.
 */
export function pingTimestampExtractor(maxFutureMs: number): TimestampExtractor {
  return (record, _key, value) => {
    const received = value as ReceivedPing | null
    if (received === null) return record.timestamp
    received.receivedAt = record.timestamp
    const t = received.ping?.eventTime
    return t !== undefined && Number.isFinite(t) && t > 0 && t <= record.timestamp + maxFutureMs
      ? t
      : record.timestamp
  }
}
