import { nameUuid, type DeadLetter, type FailureStage } from '@oxagry/avro'
import { deadLetterKey } from './keys.ts'

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
