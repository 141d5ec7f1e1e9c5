/**
 * Trace context in record headers: the one place the platform reads and writes it. The context
 * travels as W3C trace-context headers (`traceparent`, and `tracestate` when there is one), written
 * and read through the OpenTelemetry API's global propagator, which a process entry point sets (the
 * `@oxagry/tracing` SDK registers the W3C propagator). With no SDK registered the propagator is the
 * API's no-op: extracting gives the root context and injecting leaves the headers as they are, so a
 * record's incoming `traceparent` passes through a process that does not trace.
 */
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as contexts,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api'
import type { RecordHeaders } from './serde.ts'

const getter: TextMapGetter<RecordHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key]?.toString('latin1'),
}

/** Collects what the propagator writes: a copy of the headers is made only when it writes something. */
interface Injection {
  readonly from: RecordHeaders
  out: RecordHeaders | undefined
}

const setter: TextMapSetter<Injection> = {
  set(carrier, key, value) {
    carrier.out ??= { ...carrier.from }
    carrier.out[key] = Buffer.from(value, 'latin1')
  },
}

/** The trace context a record's headers carry, over the root context; the root context when none. */
export function extractTraceContext(headers: RecordHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, getter)
}

/**
 * The headers with the context's trace headers set (the active context by default), replacing the
 * ones they had. The headers are never changed: a copy is returned when something was written, and
 * the same object when nothing was (no propagator registered, or no span in the context).
 */
export function injectTraceContext(
  headers: RecordHeaders,
  context: Context = contexts.active(),
): RecordHeaders {
  const injection: Injection = { from: headers, out: undefined }
  propagation.inject(context, injection, setter)
  return injection.out ?? headers
}

/** OpenTelemetry's messaging attributes for a Kafka record (semantic conventions 1.x names). */
export function kafkaRecordAttributes(
  topic: string,
  partition: number,
  offset: string | undefined,
  operation: 'process' | 'send' | 'receive',
): Attributes {
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': String(partition),
  }
  if (offset !== undefined) attributes['messaging.kafka.offset'] = Number(offset)
  return attributes
}

/** The span of a record being processed, and the context what it produces carries. */
export interface RecordSpan {
  readonly span: Span
  readonly context: Context
}

/** Starts the span of one consumed record; see `recordSpans`. */
export type StartRecordSpan = (
  headers: RecordHeaders,
  record: { readonly topic: string; readonly partition: number; readonly offset: string },
) => RecordSpan

const CONSUMER = { kind: SpanKind.CONSUMER } as const

/**
 * The spans of a consumer group's records, `<group> process <topic>`: each a child of the context its
 * record's headers carry, or a new trace when they carry none. Run the processing in `context`
 * (`context.with`) and inject it into what the processing produces. With no SDK registered the span
 * is the API's no-op and `context` the record's own (nothing is allocated for it).
 */
export function recordSpans(tracer: Tracer, group: string): StartRecordSpan {
  const names = new Map<string, string>()
  return (headers, record) => {
    const parent = extractTraceContext(headers)
    let name = names.get(record.topic)
    if (name === undefined) names.set(record.topic, (name = `${group} process ${record.topic}`))
    const span = tracer.startSpan(name, CONSUMER, parent)
    if (span.isRecording()) {
      span.setAttributes(kafkaRecordAttributes(record.topic, record.partition, record.offset, 'process'))
      span.setAttribute('messaging.consumer.group.name', group)
    }
    return { span, context: passesThrough(span, parent) ? parent : trace.setSpan(parent, span) }
  }
}

/**
 * Whether the span adds nothing to its parent's context: the API's no-op (no SDK) answers a span with
 * the parent's own span context, or an invalid one without a parent. Keeping the parent's context then
 * spares a context per record, the largest part of the no-op's cost.
 */
function passesThrough(span: Span, parent: Context): boolean {
  if (span.isRecording()) return false
  const own = span.spanContext()
  // Identity first: the validity check runs two regular expressions.
  return own === INVALID_SPAN_CONTEXT || own === trace.getSpanContext(parent) || !isSpanContextValid(own)
}

/** Ends a span; the error processing threw, when it did, marks it failed. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined && span.isRecording()) {
    const message = error instanceof Error ? error.message : String(error)
    span.recordException(error instanceof Error ? error : message)
    span.setStatus({ code: SpanStatusCode.ERROR, message })
  }
  span.end()
}
