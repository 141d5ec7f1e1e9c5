/**
 * The runtime's tracing: a span per processed record, `<applicationId> process <topic>`, a child of
 * the context the record's trace headers carry (`@oxagry/kafka`'s one definition). What the task sends
 * while processing the record carries this span's context in its headers, so a trace follows a record
 * through every sub-topology, repartition topic and application. With no OpenTelemetry SDK registered
 * the tracer is the API's no-op (the README gives the cost).
 */
import { context as contexts, trace } from '@opentelemetry/api'
import { endSpan, recordSpans, type RecordSpan, type StartRecordSpan } from '@oxagry/kafka'

export type { RecordSpan } from '@oxagry/kafka'

const tracer = trace.getTracer('@oxagry/streams')

/** The spans of an application's records (one per task: the span names are kept per topic). */
export function applicationSpans(applicationId: string): StartRecordSpan {
  return recordSpans(tracer, applicationId)
}

/** Runs the processing in the span's context, so processors' own spans are its children. */
export function inRecordSpan<T>(recordSpan: RecordSpan, fn: () => T): T {
  return contexts.with(recordSpan.context, fn)
}

/** Ends the span; an error thrown by processing marks it failed. */
export function endRecordSpan(recordSpan: RecordSpan, error?: unknown): void {
  endSpan(recordSpan.span, error)
}
