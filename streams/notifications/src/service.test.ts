import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { InMemorySchemaRegistry, type DeadLetter } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createNotificationsSerdes } from './serdes.ts'
import { buildHttp, startNotifications } from './service.ts'
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

const ORDER = '6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f'

test('embedded: an order confirmed becomes outbox notifications, each sent once by the worker with its outcome; an undecodable event a dead letter; health and metrics answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-notifications-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedNotificationsTopics('embedded')
  await createNotificationsTopics(backend, topics)
  const serdes = await createNotificationsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const metricsRegistry = new Registry()
  const logger = pino({ level: 'silent' })
  await produce(backend, topics.preferences, serdes.preference, [
    { key: 'farm-1', value: preference('farm-1', { channels: ['EMAIL', 'SMS'] }) },
  ])
  const notifications = await startNotifications({
    backend,
    serdes,
    topics,
    applicationId: 'embedded-notifications',
    streams: { logger, metricsRegistry, commitIntervalMs: 50, stateDir: join(dir, 'state') },
  })
  const channel = await SimulatedChannel.open({ logPath: join(dir, 'sent.jsonl') })
  const worker = await startChannelWorker({ backend, channel, serdes, topics, logger, metricsRegistry })
  t.teardown(async () => {
    await worker.stop()
    await channel.close()
    await notifications.close()
  })
  const now = Date.now()
  await produce(backend, topics.orderEvents, serdes.orderEvent, [
    { key: ORDER, value: orderEvent(ORDER, 'placed', now), timestamp: now },
    { key: ORDER, value: orderEvent(ORDER, 'confirmed', now + 1), timestamp: now + 1 },
    { key: ORDER, value: Buffer.from('not avro'), timestamp: now + 2 },
  ])
  const deliveries = await eventually(
    async () => {
      const out = await readDecoded(backend, topics.deliveries, serdes.delivery)
      return out.length >= 2 ? out : undefined
    },
    { timeoutMs: 20_000, what: 'two deliveries' },
  )
  t.deepEqual(deliveries.map((d) => [d.value.channel, d.value.status]).sort(), [
    ['EMAIL', 'SENT'],
    ['SMS', 'SENT'],
  ])
  t.deepEqual(
    channel.sent().map((e) => e.subject),
    ['Your order is confirmed', 'Your order is confirmed'],
  )
  const dead = await eventually(
    async () => {
      const out = await readDecoded<DeadLetter>(backend, topics.deadLetters, serdes.deadLetter)
      return out.length >= 1 ? out : undefined
    },
    { timeoutMs: 10_000, what: 'a dead letter' },
  )
  t.is(dead[0]!.value.stage, 'DESERIALIZATION')
  const http = buildHttp({ streams: notifications.streams, worker })
  t.teardown(() => http.close())
  await eventually(
    async () => ((await http.inject({ url: '/health/ready' })).statusCode === 200 ? true : undefined),
    { timeoutMs: 10_000, what: 'ready' },
  )
  const metrics = await http.inject({ url: '/metrics' })
  t.regex(metrics.body, /oxagry_notification_channel_notifications_total\{result="sent"\} 2/)
})
