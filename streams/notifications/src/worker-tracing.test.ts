import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { InMemorySchemaRegistry, type Notification } from '@oxagry/avro'
import { extractTraceContext, injectTraceContext, MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { InMemorySpanExporter, startTracing } from '@oxagry/tracing'
import test from 'ava'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { notificationIdOf } from './render.ts'
import { createNotificationsSerdes } from './serdes.ts'
import { SimulatedChannel } from './simulated-channel.ts'
import { createNotificationsTopics, prefixedNotificationsTopics } from './testing.ts'
import { startChannelWorker } from './worker.ts'

const exporter = new InMemorySpanExporter()
const tracing = startTracing({ serviceName: 'test', exporter })
test.after.always(() => tracing?.close())

test('a notification is sent in a span of the step’s trace, and its delivery outcome carries it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-notification-trace-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedNotificationsTopics('traced')
  await createNotificationsTopics(backend, topics)
  const serdes = await createNotificationsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const channel = await SimulatedChannel.open({ logPath: join(dir, 'sent.jsonl') })
  const worker = await startChannelWorker({
    backend,
    channel,
    serdes,
    topics,
    groupId: 'traced-channels',
    logger: pino({ level: 'silent' }),
    metricsRegistry: new Registry(),
  })
  t.teardown(() => worker.stop())

  const sourceEventId = '00000000-0000-4000-8000-000000000001'
  const notification: Notification = {
    notificationId: notificationIdOf(sourceEventId, 'farm-1', 'EMAIL'),
    recipientId: 'farm-1',
    customerId: null,
    channel: 'EMAIL',
    address: 'farm-1@example.invalid',
    template: 'ORDER_CONFIRMED',
    subject: 'Your order is confirmed',
    body: 'order 1 is confirmed',
    reference: 'order:1',
    sourceEventId,
    occurredAt: 1,
    createdAt: 2,
    heldUntil: null,
  }
  const upstream = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }
  const producer = await backend.producer({})
  await producer.send([
    {
      topic: topics.outbox,
      key: Buffer.from(notification.notificationId),
      value: await serdes.notification.serialize(topics.outbox, notification, {}),
      timestamp: 2,
      headers: injectTraceContext({}, trace.setSpanContext(ROOT_CONTEXT, upstream)),
    },
  ])
  await producer.close()

  const [delivery] = await eventually(
    async () => {
      const records = [0, 1, 2].flatMap(
        (p) => backend.broker.fetch(topics.deliveries, p, 0, 10, false).records,
      )
      return records.length > 0 ? records : undefined
    },
    { timeoutMs: 10_000, what: 'the delivery outcome' },
  )
  const span = exporter.getFinishedSpans().find((s) => s.name === `traced-channels process ${topics.outbox}`)
  if (span === undefined || delivery === undefined) return t.fail()
  t.is(span.spanContext().traceId, upstream.traceId)
  t.is(span.parentSpanContext?.spanId, upstream.spanId)
  t.like(trace.getSpanContext(extractTraceContext(delivery.headers)), {
    traceId: upstream.traceId,
    spanId: span.spanContext().spanId,
  })
})
