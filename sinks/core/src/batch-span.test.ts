import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import { Contracts, createAvroSerde, InMemorySchemaRegistry } from '@oxagry/avro'
import { injectTraceContext, MemoryBackend, type BrokerRecord } from '@oxagry/kafka'
import { InMemorySpanExporter, startTracing } from '@oxagry/tracing'
import test from 'ava'
import { pino } from 'pino'
import { runSink } from './runner.ts'
import { FakeTarget } from './testing/index.ts'

const exporter = new InMemorySpanExporter()
const tracing = startTracing({ serviceName: 'test', exporter })
test.after.always(() => tracing?.close())

const TOPIC = 'orders.order-status.v1'
const DLQ = 'orders.dead-letters.v1'
const parents = ['1', '2'].map((n) => ({
  traceId: n.repeat(32),
  spanId: n.repeat(16),
  traceFlags: TraceFlags.SAMPLED,
}))

function records(backend: MemoryBackend): void {
  backend.broker.createTopic({ name: TOPIC, partitions: 1, config: {} })
  backend.broker.createTopic({ name: DLQ, partitions: 1, config: {} })
  const headersOf = (i: number) =>
    i === 3 ? {} : injectTraceContext({}, trace.setSpanContext(ROOT_CONTEXT, parents[i % 2]!))
  backend.broker.append(
    [0, 1, 2, 3].map((i) => ({
      topic: TOPIC,
      partition: 0,
      key: Buffer.from(`O-${i}`),
      value: Buffer.from(String(i)),
      timestamp: 1000,
      headers: headersOf(i),
    })),
  )
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function sinkOf(target: FakeTarget<number>, backend: MemoryBackend) {
  return runSink<number>({
    backend,
    groupId: 'sink-facts',
    topics: [TOPIC],
    decode: (record: BrokerRecord) => Number(record.value?.toString()),
    target,
    batch: { maxRecords: 4, maxWaitMs: 40 },
    retry: { attempts: 1, baseMs: 1, maxMs: 1 },
    logger: pino({ level: 'silent' }),
    lagIntervalMs: 0,
    deadLetter: {
      topic: DLQ,
      serializer: await createAvroSerde({
        registry: new InMemorySchemaRegistry(),
        contract: Contracts.DeadLetter,
        autoRegister: true,
        topics: [DLQ],
      }),
    },
  })
}

test.serial(
  'a span per written batch, a trace of its own, linked once to each record’s context',
  async (t) => {
    exporter.reset()
    const backend = new MemoryBackend()
    records(backend)
    const target = new FakeTarget<number>()
    const sink = await sinkOf(target, backend)
    t.teardown(() => sink.stop())
    await waitFor(() => exporter.getFinishedSpans().length > 0)
    const [span] = exporter.getFinishedSpans()
    if (span === undefined) return t.fail()
    t.is(span.name, `sink-facts write ${target.name}`)
    t.is(span.kind, SpanKind.CONSUMER)
    t.is(span.parentSpanContext, undefined)
    t.false(parents.some((p) => p.traceId === span.spanContext().traceId))
    t.deepEqual(
      span.links.map((l) => [l.context.traceId, l.context.spanId, l.attributes?.['messaging.kafka.offset']]),
      [
        [parents[0]!.traceId, parents[0]!.spanId, 0],
        [parents[1]!.traceId, parents[1]!.spanId, 1],
      ],
    )
    t.like(span.attributes, { 'messaging.batch.message_count': 4, 'oxagry.sink.batch_id': `${TOPIC}:0:0-3` })
    t.is(span.status.code, SpanStatusCode.UNSET)
  },
)

test.serial('a batch the target fails marks its span', async (t) => {
  exporter.reset()
  const backend = new MemoryBackend()
  records(backend)
  const target = new FakeTarget<number>({ transientFailures: 5 })
  const sink = await sinkOf(target, backend)
  t.teardown(() => sink.stop())
  await waitFor(() => exporter.getFinishedSpans().length > 0)
  const [span] = exporter.getFinishedSpans()
  t.is(span?.status.code, SpanStatusCode.ERROR)
  t.is(span?.events[0]?.name, 'exception')
})
