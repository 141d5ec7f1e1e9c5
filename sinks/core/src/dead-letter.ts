import { nameUuid, type DeadLetter, type FailureStage } from '@oxagry/avro'
import type { BrokerRecord, ProducedRecord, RecordHeaders, Serializer } from '@oxagry/kafka'
import { errorCode, errorMessage, isRetriable } from './errors.ts'

/** Kafka headers a sink's dead letter carries besides its DeadLetter value. */
export const SINK_DEAD_LETTER_HEADERS = {
  /** The target that refused the record, e.g. `clickhouse:machine_pings`. */
  target: 'x-sink-target',
  /** The sink (consumer group) that gave up. */
  sink: 'x-sink-group',
  /** The DeadLetter stage, repeated for routing without decoding. */
  stage: 'x-error-stage',
  code: 'x-error-code',
} as const

export interface DeadLetterOptions {
  /** The domain's dead-letter topic, e.g. `fleet.dead-letters.v1`. */
  readonly topic: string
  /** Serializer of the DeadLetter contract (the topic's value contract), e.g. an Avro serde. */
  readonly serializer: Serializer<DeadLetter>
}

/**
 * A dead letter is the catalogue's DeadLetter envelope (Avro, the dead-letter topic's value contract):
 * original key, value and headers untouched, where the record came from, the error's code, message and
 * retriable flag. A sink has no DeadLetter stage of its own, so a write refused by the target is stage
 * OTHER and the target is named in the `x-sink-target` header. The key is `topic:partition:offset`, and
 * the id is derived from the sink's group and that key, so a replay dead-letters the record under the
 * same id and consumers of the dead-letter topic can drop the repeat.
 */
export async function deadLetterRecord(
  options: DeadLetterOptions,
  record: BrokerRecord,
  stage: FailureStage,
  error: unknown,
  context: { readonly sink: string; readonly target: string; readonly now: number },
): Promise<ProducedRecord> {
  const value: DeadLetter = {
    deadLetterId: deadLetterIdOf(context.sink, record),
    application: context.sink,
    stage,
    sourceTopic: record.topic,
    sourcePartition: record.partition,
    sourceOffset: Number(record.offset),
    sourceTimestamp: record.timestamp as DeadLetter['sourceTimestamp'],
    key: record.key,
    value: record.value,
    headers: record.headers,
    errorCode: errorCode(error),
    errorMessage: errorMessage(error).slice(0, 4000),
    retriable: stage === 'DESERIALIZATION' ? false : isRetriable(error),
    failedAt: context.now as DeadLetter['failedAt'],
  }
  const headers: RecordHeaders = {
    [SINK_DEAD_LETTER_HEADERS.target]: Buffer.from(context.target),
    [SINK_DEAD_LETTER_HEADERS.sink]: Buffer.from(context.sink),
    [SINK_DEAD_LETTER_HEADERS.stage]: Buffer.from(stage),
    [SINK_DEAD_LETTER_HEADERS.code]: Buffer.from(value.errorCode),
  }
  return {
    topic: options.topic,
    key: Buffer.from(`${record.topic}:${record.partition}:${record.offset}`),
    value: await options.serializer.serialize(options.topic, value, headers),
    timestamp: context.now,
    headers,
  }
}

/** The dead letter's id: a name-based UUID of `dead-letter:<group>:<topic>:<partition>:<offset>`. */
export function deadLetterIdOf(
  sink: string,
  record: Pick<BrokerRecord, 'topic' | 'partition' | 'offset'>,
): string {
  return nameUuid(`dead-letter:${sink}:${record.topic}:${record.partition}:${record.offset}`)
}
