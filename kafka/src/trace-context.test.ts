import { ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api'
import { InMemorySpanExporter, startTracing } from '@oxagry/tracing'
import test from 'ava'
import { extractTraceContext, injectTraceContext, kafkaRecordAttributes } from './trace-context.ts'

const parent: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
}
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

test.serial('with no SDK registered, headers pass through untouched and nothing is extracted', (t) => {
  const headers = { traceparent: Buffer.from(TRACEPARENT) }
  t.is(trace.getSpanContext(extractTraceContext(headers)), undefined)
  const context = trace.setSpanContext(ROOT_CONTEXT, parent)
  t.is(injectTraceContext(headers, context), headers)
})

test.serial('the W3C traceparent header is written and read back', (t) => {
  const tracing = startTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() })
  t.teardown(() => tracing?.close())

  const original = { 'x-source': Buffer.from('api'), traceparent: Buffer.from('00-stale') }
  const injected = injectTraceContext(original, trace.setSpanContext(ROOT_CONTEXT, parent))
  t.not(injected, original, 'a copy: the record the headers came from keeps its own')
  t.is(original.traceparent.toString(), '00-stale')
  t.is(injected.traceparent?.toString(), TRACEPARENT)
  t.is(injected['x-source']?.toString(), 'api')

  const extracted = trace.getSpanContext(extractTraceContext(injected))
  t.like(extracted, { ...parent, isRemote: true })
})

test.serial('the active span is what is injected by default; no span, no header', (t) => {
  const tracing = startTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() })
  t.teardown(() => tracing?.close())
  const tracer = trace.getTracer('test')
  const empty = {}
  t.is(injectTraceContext(empty), empty)
  tracer.startActiveSpan('produce', (span) => {
    const headers = injectTraceContext({})
    span.end()
    t.is(headers.traceparent?.toString(), `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`)
  })
})

test.serial('a malformed or missing traceparent gives the root context', (t) => {
  const tracing = startTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() })
  t.teardown(() => tracing?.close())
  t.is(trace.getSpanContext(extractTraceContext({ traceparent: Buffer.from('00-nonsense') })), undefined)
  t.is(trace.getSpanContext(extractTraceContext({})), undefined)
})

test('messaging attributes name the record', (t) => {
  t.deepEqual(kafkaRecordAttributes('orders.order-events.v1', 3, '42', 'process'), {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': 'orders.order-events.v1',
    'messaging.destination.partition.id': '3',
    'messaging.kafka.offset': 42,
  })
})
