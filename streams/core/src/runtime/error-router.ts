import { KAFKA_ERROR_CODES, KafkaError, type BrokerRecord, type RecordHeaders } from '@oxagry/kafka'
import { errorMessage, STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { ErrorHandling } from './config.ts'
import { appLabel, type RuntimeContext } from './context.ts'
import type { ActiveTask } from './task-manager.ts'

/** Headers a dead-lettered record carries beside its original headers. */
export const DEAD_LETTER_HEADERS = {
  stage: 'x-error-stage',
  code: 'x-error-code',
  message: 'x-error-message',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
  timestamp: 'x-source-timestamp',
  application: 'x-application-id',
} as const

export type RecordErrorStage = 'deserialization' | 'processing'

export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'UNKNOWN'
}

/**
 * The group or the transaction coordinator says another member owns the work now: Kafka Streams'
 * TaskMigratedException, which the client reports as a fenced producer or a refused commit.
 */
export function isTaskMigration(error: unknown): boolean {
  return (
    error instanceof KafkaError &&
    (error.code === KAFKA_ERROR_CODES.REBALANCED || error.code === KAFKA_ERROR_CODES.FENCED)
  )
}

/** What stopped an instance, as the typed error its health reports. */
export function asFatal(error: unknown): StreamsError {
  if (error instanceof StreamsError) return error
  if (error instanceof KafkaError)
    return new StreamsError(STREAMS_ERROR_CODES.BROKER, error.message, {
      cause: error,
      retriable: error.retriable,
    })
  return new StreamsError(STREAMS_ERROR_CODES.PROCESSING, errorMessage(error), { cause: error })
}

/**
 * Routes a record that failed to deserialize or process by its handler (Kafka Streams'
 * DeserializationExceptionHandler and ProcessingExceptionHandler): fail, log and continue, or a dead
 * letter carrying the original bytes and the reason, sent with the task's outputs.
 */
export class ErrorRouter {
  constructor(private readonly context: RuntimeContext) {}

  async route(
    stage: RecordErrorStage,
    handling: ErrorHandling,
    error: unknown,
    record: BrokerRecord,
    active: ActiveTask,
  ): Promise<void> {
    const { metrics, logger, config } = this.context
    const code = codeOf(error)
    metrics.errors.inc({ ...appLabel(this.context), stage, code })
    const context = { topic: record.topic, partition: record.partition, offset: record.offset }
    // A retriable error (a registry or store that is down) is not the record's fault: skipping or
    // dead-lettering it would lose a good record. The instance stops without committing it instead,
    // and a restart tries again.
    const retriable = (error as { retriable?: unknown } | null)?.retriable === true
    if (handling === 'fail' || retriable) {
      throw new StreamsError(
        stage === 'deserialization' ? STREAMS_ERROR_CODES.DESERIALIZATION : STREAMS_ERROR_CODES.PROCESSING,
        `${stage} failed on ${record.topic}[${record.partition}]@${record.offset}: ${errorMessage(error)}`,
        { cause: error, context },
      )
    }
    if (handling === 'log-and-continue') {
      logger.warn({ err: error, stage, code, ...context }, `${stage} error: record skipped`)
      return
    }
    const headers: RecordHeaders = {
      ...record.headers,
      [DEAD_LETTER_HEADERS.stage]: Buffer.from(stage),
      [DEAD_LETTER_HEADERS.code]: Buffer.from(code),
      [DEAD_LETTER_HEADERS.message]: Buffer.from(errorMessage(error).slice(0, 4000)),
      [DEAD_LETTER_HEADERS.topic]: Buffer.from(record.topic),
      [DEAD_LETTER_HEADERS.partition]: Buffer.from(String(record.partition)),
      [DEAD_LETTER_HEADERS.offset]: Buffer.from(record.offset),
      [DEAD_LETTER_HEADERS.timestamp]: Buffer.from(String(record.timestamp)),
      [DEAD_LETTER_HEADERS.application]: Buffer.from(config.applicationId),
    }
    let key = record.key
    let value = record.value
    if (handling.format !== undefined) {
      const built = await handling.format({
        stage,
        code,
        message: errorMessage(error),
        applicationId: config.applicationId,
        record,
      })
      key = built.key
      value = built.value
      Object.assign(headers, built.headers)
    }
    active.outputs.raw.push({
      topic: handling.deadLetterTopic,
      key,
      value,
      timestamp: record.timestamp,
      headers,
    })
    metrics.deadLettered.inc({ ...appLabel(this.context), stage })
    logger.warn(
      { stage, code, ...context, deadLetterTopic: handling.deadLetterTopic },
      `${stage} error: record dead-lettered`,
    )
  }
}
