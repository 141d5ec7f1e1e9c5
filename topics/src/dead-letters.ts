import { nameUuid, type DeadLetter, type FailureStage } from '@oxagry/avro'
import type { Serializer } from '@oxagry/kafka'
import { deadLetterKey } from './keys.ts'

/**
 * The header a replayed record carries (`oxagry ops dead-letters replay`): the dead letter it was
 * replayed from, as `<dead-letter topic>:<partition>:<offset>`. A replayed record that fails again keeps
 * it among the headers of its new dead letter, so a second failure is recognisable.
 */
export const DEAD_LETTER_REPLAY_HEADER = 'oxagry-replay-of'

/** Where a dead letter came from and why it failed: what every application knows about its failure. */
export interface DeadLetterSource {
  readonly application: string
  readonly stage: FailureStage
  readonly topic: string
  readonly partition: number
  readonly offset: string | number
  /** The source record's timestamp: also the failure time, so a replay gives the same dead letter. */
  readonly timestamp: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: Readonly<Record<string, Buffer>>
  readonly errorCode: string
  readonly errorMessage: string
  readonly retriable?: boolean
}

/**
 * The catalogue's dead-letter envelope for a failed record, keyed by where it came from. Its id is
 * derived from the application and the source position, so the same record failing again after a
 * crash or a replay is the same dead letter.
 */
export function deadLetterRecord(source: DeadLetterSource): { key: string; value: DeadLetter } {
  const { application, topic, partition, offset } = source
  return {
    key: deadLetterKey(topic, partition, offset),
    value: {
      deadLetterId: nameUuid(`dead-letter:${application}:${topic}:${partition}:${offset}`),
      application,
      stage: source.stage,
      sourceTopic: topic,
      sourcePartition: partition,
      sourceOffset: Number(offset),
      sourceTimestamp: source.timestamp,
      key: source.key,
      value: source.value,
      headers: source.headers,
      errorCode: source.errorCode,
      errorMessage: source.errorMessage,
      retriable: source.retriable ?? false,
      failedAt: source.timestamp,
    },
  }
}

/** A failed record as a stream application's runtime reports it (the shape of its dead-letter hook). */
export interface RecordFailure {
  readonly stage: 'deserialization' | 'processing'
  readonly code: string
  readonly message: string
  readonly applicationId: string
  readonly record: {
    readonly topic: string
    readonly partition: number
    readonly offset: string
    readonly timestamp: number
    readonly key: Buffer | null
    readonly value: Buffer | null
    readonly headers: Readonly<Record<string, Buffer>>
  }
}

/**
 * The runtime's dead-letter hook writing the catalogue's envelope: one format on every dead-letter
 * topic, whichever application or stage failed.
 */
export function deadLetterFormatter(
  serde: Serializer<DeadLetter>,
  topic: string,
): (failure: RecordFailure) => Promise<{ key: Buffer; value: Buffer }> {
  return async (failure) => {
    const r = failure.record
    const { key, value } = deadLetterRecord({
      application: failure.applicationId,
      stage: failure.stage === 'deserialization' ? 'DESERIALIZATION' : 'PROCESSING',
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers,
      errorCode: failure.code,
      errorMessage: failure.message,
    })
    return { key: Buffer.from(key), value: await serde.serialize(topic, value, {}) }
  }
}
