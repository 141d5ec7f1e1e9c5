/**
 * A span per written batch, `<groupId> write <target>`: a batch has as many parents as records, so
 * the span starts a trace of its own and links to the context each record's trace headers carry
 * (the span that produced it). The SDK keeps 128 links a span by default
 * (`OTEL_SPAN_LINK_COUNT_LIMIT`); the batch's size is an attribute. With no OpenTelemetry SDK
 * registered the span is the API's no-op and no header is read.
 */
import { ROOT_CONTEXT, SpanKind, trace, type Link, type Span } from '@opentelemetry/api'
import { endSpan, extractTraceContext, type BrokerRecord } from '@oxagry/kafka'

const tracer = trace.getTracer('@oxagry/sink')

export function startBatchSpan(
  groupId: string,
  target: string,
  batchId: string,
  records: readonly BrokerRecord[],
): Span {
  const span = tracer.startSpan(
    `${groupId} write ${target}`,
    { kind: SpanKind.CONSUMER, root: true },
    ROOT_CONTEXT,
  )
  if (!span.isRecording()) return span
  span.setAttributes({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': groupId,
    'messaging.batch.message_count': records.length,
    'oxagry.sink.target': target,
    'oxagry.sink.batch_id': batchId,
  })
  const links: Link[] = []
  const seen = new Set<string>()
  for (const record of records) {
    const context = trace.getSpanContext(extractTraceContext(record.headers))
    if (context === undefined || seen.has(context.spanId)) continue
    seen.add(context.spanId)
    links.push({
      context,
      attributes: {
        'messaging.destination.name': record.topic,
        'messaging.kafka.offset': Number(record.offset),
      },
    })
  }
  span.addLinks(links)
  return span
}

/** Ends the span; a batch that failed marks it. */
export const endBatchSpan: (span: Span, error?: unknown) => void = endSpan
