/**
 * A span per processed record, as the runtime's tracing: `<applicationId> process <topic>`, a
 * child of the context the record's trace headers carry. What the task sends while processing the
 * record carries this span's context in its headers, so a trace follows a record through every
 * sub-topology, repartition topic and application. With no OpenTelemetry SDK registered the tracer
 * is the API's no-op and a span costs a lookup and a small object (see the README's figures).
 */
import {
  SpanKind,
  SpanStatusCode,
  context as contexts,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api'
import { extractTraceContext, kafkaRecordAttributes, type RecordHeaders } from '@oxagry/kafka'
import type { RecordMetadata } from '../record.ts'

const tracer = trace.getTracer('@oxagry/streams')

/** The span of the record being processed and the context its outputs carry. */
export interface RecordSpan {
  readonly span: Span
  readonly context: Context
}

export function startRecordSpan(
  applicationId: string,
  headers: RecordHeaders,
  metadata: RecordMetadata,
): RecordSpan {
  const parent = extractTraceContext(headers)
  const span = tracer.startSpan(
    `${applicationId} process ${metadata.topic}`,
    { kind: SpanKind.CONSUMER },
    parent,
  )
  if (span.isRecording()) {
    span.setAttributes(kafkaRecordAttributes(metadata.topic, metadata.partition, metadata.offset, 'process'))
    span.setAttribute('messaging.consumer.group.name', applicationId)
  }
  return { span, context: trace.setSpan(parent, span) }
}

/** Runs the processing in the span's context, so processors' own spans are its children. */
export function inRecordSpan<T>(recordSpan: RecordSpan, fn: () => T): T {
  return contexts.with(recordSpan.context, fn)
}

/** Ends the span; an error thrown by processing marks it failed. */
export function endRecordSpan(recordSpan: RecordSpan, error?: unknown): void {
  const { span } = recordSpan
  if (error !== undefined && span.isRecording()) {
    span.recordException(error instanceof Error ? error : String(error))
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    })
  }
  span.end()
}
