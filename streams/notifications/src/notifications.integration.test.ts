import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { KafkaJsBackend } from '@oxagry/kafka'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import type { NotificationChannel } from './channel.ts'
import { createNotificationsSerdes } from './serdes.ts'
import { startNotifications } from './service.ts'
import { SimulatedChannel } from './simulated-channel.ts'
import {
  createNotificationsTopics,
  orderEvent,
  preference,
  prefixedNotificationsTopics,
  produce,
  readDecoded,
} from './testing.ts'
import { startChannelWorker } from './worker.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

test('Kafka, exactly-once: orders confirmed become outbox notifications; a worker dying after its provider sent leaves the next one nothing to send twice', async (t) => {
  const run = `it-notifications-${randomUUID().slice(0, 8)}`
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-notifications-it-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const topics = prefixedNotificationsTopics(run)
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: run })
  t.teardown(() => backend.close())
  await createNotificationsTopics(backend, topics, 3)
  const serdes = await createNotificationsSerdes(
    new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') }),
    topics,
    {
      autoRegister: true,
    },
  )
  const logger = pino({ level: 'warn' })
  await produce(backend, topics.preferences, serdes.preference, [
    { key: 'farm-1', value: preference('farm-1', { channels: ['EMAIL', 'SMS'] }) },
  ])
  const app = await startNotifications({
    backend,
    serdes,
    topics,
    applicationId: `${run}-app`,
    processingGuarantee: 'exactly_once',
    streams: { logger, metricsRegistry: new Registry(), stateDir: join(dir, 'state'), commitIntervalMs: 200 },
  })
  t.teardown(() => app.close())
  const orders = Array.from({ length: 5 }, () => randomUUID())
  const now = Date.now()
  await produce(
    backend,
    topics.orderEvents,
    serdes.orderEvent,
    orders.flatMap((o, i) => [
      { key: o, value: orderEvent(o, 'placed', now + i), timestamp: now + i },
      { key: o, value: orderEvent(o, 'confirmed', now + i + 1), timestamp: now + i + 1 },
    ]),
  )
  const outbox = await eventually(
    async () => {
      const out = await readDecoded(backend, topics.outbox, serdes.notification)
      return out.length >= 10 ? out : undefined
    },
    { timeoutMs: 60_000, what: 'ten notifications in the outbox' },
  )
  t.is(new Set(outbox.map((n) => n.key)).size, 10, 'one per order and channel')

  const logPath = join(dir, 'sent.jsonl')
  const sim = await SimulatedChannel.open({ logPath })
  let calls = 0
  const dying: NotificationChannel = {
    name: 'dying',
    send: async (message) => {
      const outcome = await sim.send(message)
      if (++calls === 3) throw new Error('the process died')
      return outcome
    },
  }
  const groupId = `${run}-channels`
  // Silent: its death is the point.
  const first = await startChannelWorker({
    backend,
    channel: dying,
    serdes,
    topics,
    groupId,
    logger: pino({ level: 'silent' }),
  })
  t.is((await first.closed).state, 'FAILED')
  await sim.close()

  const reopened = await SimulatedChannel.open({ logPath })
  const second = await startChannelWorker({ backend, channel: reopened, serdes, topics, groupId, logger })
  t.teardown(async () => {
    await second.stop()
    await reopened.close()
  })
  const deliveries = await eventually(
    async () => {
      const out = await readDecoded(backend, topics.deliveries, serdes.delivery)
      return out.length >= 10 ? out : undefined
    },
    { timeoutMs: 60_000, what: 'ten deliveries' },
  )
  t.is(deliveries.length, 10, 'one committed outcome per notification')
  t.true(deliveries.every((d) => d.value.status === 'SENT'))
  const keys = readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { key: string }).key)
  t.is(keys.length, 10, 'the provider sent ten messages')
  t.deepEqual([...keys].sort(), outbox.map((n) => n.key).sort())
})
