import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import { injectTraceContext, Serdes } from '@oxagry/kafka'
import { InMemorySpanExporter, startTracing, type ReadableSpan } from '@oxagry/tracing'
import test from 'ava'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'

const S = Serdes.String()
const L = Serdes.Long()
const upstream = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
}

function traceparentOf(span: ReadableSpan): string {
  return `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}

test.serial('with no SDK registered, a record’s traceparent passes through as it came', (t) => {
  const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  builder
    .stream<string, string>('in', { keySerde: S, valueSerde: S })
    .mapValues((v) => v)
    .to('out')
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' })
  t.teardown(() => driver.close())
  const traceparent = Buffer.from(`00-${upstream.traceId}-${upstream.spanId}-01`)
  driver.createInputTopic('in', S, S).pipeInput('k', 'v', 1, { traceparent })
  t.is(driver.createOutputTopic('out', S, S).readRecord().headers.traceparent, traceparent)
})

// One SDK for the file, started after the test that needs none: the runtime's tracer, made once,
// stays with the first provider it found, as in a process.
const exporter = new InMemorySpanExporter()
let tracing: ReturnType<typeof startTracing>
function traced(): InMemorySpanExporter {
  tracing ??= startTracing({ serviceName: 'test', exporter })
  exporter.reset()
  return exporter
}
test.after.always(() => tracing?.close())

test.serial(
  'a span per record, child of its traceparent; outputs carry the span, through a repartition',
  (t) => {
    const exporter = traced()
    const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
    const words = builder.stream<string, string>('words', { keySerde: S, valueSerde: S })
    words.mapValues((v) => v.toUpperCase()).to('shouted')
    words
      .selectKey((_k, v) => v)
      .groupByKey()
      .count()
      .toStream()
      .to('counts', { keySerde: S, valueSerde: L as never })
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'wordcount' })
    t.teardown(() => driver.close())

    const headers = injectTraceContext(
      { 'x-origin': Buffer.from('api') },
      trace.setSpanContext(ROOT_CONTEXT, upstream),
    )
    driver.createInputTopic('words', S, S).pipeInput('k', 'barley', 1, headers)

    const spans = exporter.getFinishedSpans()
    const first = spans.find((s) => s.name === 'wordcount process words')
    const second = spans.find((s) => /^wordcount process wordcount-.*-repartition$/.test(s.name))
    if (first === undefined || second === undefined) return t.fail(spans.map((s) => s.name).join(', '))
    t.is(spans.length, 2)
    t.is(first.spanContext().traceId, upstream.traceId)
    t.is(parentOf(first), upstream.spanId)
    t.is(first.kind, SpanKind.CONSUMER)
    t.like(first.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'words',
      'messaging.consumer.group.name': 'wordcount',
    })
    // The repartition hop: the record sent to the internal topic carried the first span.
    t.is(second.spanContext().traceId, upstream.traceId)
    t.is(parentOf(second), first.spanContext().spanId)

    const shouted = driver.createOutputTopic('shouted', S, S).readRecord()
    t.is(shouted.headers.traceparent?.toString(), traceparentOf(first))
    t.is(shouted.headers['x-origin']?.toString(), 'api', 'the other headers pass through')
    const counted = driver.createOutputTopic('counts', S, L).readRecord()
    t.is(counted.value, 1)
    t.is(counted.headers.traceparent?.toString(), traceparentOf(second))
  },
)

test.serial('a record without trace headers starts a trace; a failure marks its span', (t) => {
  const exporter = traced()
  const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  builder
    .stream<string, string>('in', { keySerde: S, valueSerde: S })
    .mapValues((v) => {
      if (v === 'bad') throw new Error('refused')
      // Processors run in the record's span: their own spans are its children.
      trace.getTracer('test').startSpan('inner').end()
      return v
    })
    .to('out')
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' })
  t.teardown(() => driver.close())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('k', 'good', 1)
  t.throws(() => input.pipeInput('k', 'bad', 2), { message: 'refused' })

  const [inner, good, bad] = exporter.getFinishedSpans()
  if (inner === undefined || good === undefined || bad === undefined)
    return t.fail(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .join(', '),
    )
  t.is(parentOf(good), undefined)
  t.is(parentOf(inner), good.spanContext().spanId)
  t.is(
    driver.createOutputTopic('out', S, S).readRecord().headers.traceparent?.toString(),
    traceparentOf(good),
  )
  t.is(bad.status.code, SpanStatusCode.ERROR)
  t.is(bad.events[0]?.name, 'exception')
})
