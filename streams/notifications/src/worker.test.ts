import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { InMemorySchemaRegistry, type DeadLetter, type Notification } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import type { NotificationChannel, OutgoingMessage } from './channel.ts'
import { NOTIFICATIONS_ERROR_CODES, NotificationsError } from './errors.ts'
import type { NotificationsSerdes, NotificationsTopics } from './options.ts'
import { notificationIdOf } from './render.ts'
import { createNotificationsSerdes } from './serdes.ts'
import { SimulatedChannel, type SimulatedChannelOptions } from './simulated-channel.ts'
import { createNotificationsTopics, prefixedNotificationsTopics, produce, readDecoded } from './testing.ts'
import { startChannelWorker } from './worker.ts'
import { WorkerState, type ChannelWorkerOptions } from './worker-options.ts'

const T0 = 1_700_000_000_000
const dirs: string[] = []
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function setup(name: string, channel: SimulatedChannelOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-notification-worker-'))
  dirs.push(dir)
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedNotificationsTopics(name)
  await createNotificationsTopics(backend, topics)
  const serdes = await createNotificationsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const logPath = join(dir, 'sent.jsonl')
  const sim = await SimulatedChannel.open({ logPath, now: () => T0 + 500, ...channel })
  const start = (over: Partial<ChannelWorkerOptions> = {}) =>
    startChannelWorker({
      backend,
      channel: sim,
      serdes,
      topics,
      groupId: `${name}-channels`,
      retry: { baseMs: 5, maxMs: 20, attempts: 3 },
      logger: pino({ level: 'silent' }),
      metricsRegistry: new Registry(),
      now: () => T0 + 900,
      ...over,
    })
  return { backend, topics, serdes, sim, start, logPath }
}

function notification(n: number, channel: Notification['channel'] = 'EMAIL'): Notification {
  const sourceEventId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
  return {
    notificationId: notificationIdOf(sourceEventId, 'farm-1', channel as 'EMAIL'),
    recipientId: 'farm-1',
    customerId: null,
    channel,
    address: channel === 'EMAIL' ? 'farm-1@example.invalid' : '+4917600000000',
    template: 'ORDER_CONFIRMED',
    subject: 'Your order is confirmed',
    body: `order ${n} is confirmed`,
    reference: `order:${n}`,
    sourceEventId,
    occurredAt: T0,
    createdAt: T0 + 1,
    heldUntil: null,
  }
}

async function send(
  s: { backend: MemoryBackend; topics: NotificationsTopics; serdes: NotificationsSerdes },
  notifications: readonly Notification[],
) {
  await produce(
    s.backend,
    s.topics.outbox,
    s.serdes.notification,
    notifications.map((n) => ({ key: n.notificationId, value: n, timestamp: n.createdAt })),
  )
}

async function deliveries(
  s: { backend: MemoryBackend; topics: NotificationsTopics; serdes: NotificationsSerdes },
  count: number,
) {
  return eventually(
    async () => {
      const out = await readDecoded(s.backend, s.topics.deliveries, s.serdes.delivery)
      return out.length >= count ? out : undefined
    },
    { timeoutMs: 10_000, what: `${count} deliveries` },
  )
}

const deadLetters = (s: {
  backend: MemoryBackend
  topics: NotificationsTopics
  serdes: NotificationsSerdes
}) => readDecoded<DeadLetter>(s.backend, s.topics.deadLetters, s.serdes.deadLetter)

for (const guarantee of ['exactly_once', 'at_least_once'] as const) {
  test(`${guarantee}: each notification is sent once through the channel and its outcome written keyed by its id`, async (t) => {
    const s = await setup(`w-${guarantee}`)
    const worker = await s.start({ processingGuarantee: guarantee })
    const sent = [notification(1), notification(2, 'SMS'), notification(3, 'PUSH')]
    await send(s, sent)
    const out = await deliveries(s, 3)
    await worker.stop()
    t.deepEqual(out.map((d) => d.key).sort(), sent.map((n) => n.notificationId).sort())
    for (const d of out) {
      t.is(d.key, d.value.notificationId)
      t.like(d.value, { status: 'SENT', reason: null, attempts: 1, recipientId: 'farm-1', at: T0 + 500 })
      t.regex(d.value.providerReference ?? '', /^sim-(email|sms|push)-[0-9a-f]{12}$/)
    }
    t.deepEqual(
      s.sim
        .sent()
        .map((e) => [e.key, e.channel, e.address, e.body])
        .sort(),
      sent.map((n) => [n.notificationId, n.channel, n.address, n.body]).sort(),
    )
  })
}

test('a crash after the provider sent but before the commit: the next worker sends nothing twice', async (t) => {
  const s = await setup('w-crash')
  const batch = [notification(1), notification(2), notification(3)]
  // The provider takes the second message, then the process dies before its outcome is committed.
  let calls = 0
  const crashing: NotificationChannel = {
    name: 'crashing',
    send: async (message: OutgoingMessage) => {
      const outcome = await s.sim.send(message)
      calls += 1
      if (calls === 2) throw new Error('the process died')
      return outcome
    },
  }
  const first = await s.start({ channel: crashing })
  await send(s, batch)
  const { state } = await first.closed
  t.is(state, WorkerState.FAILED)
  t.deepEqual(await readDecoded(s.backend, s.topics.deliveries, s.serdes.delivery), [], 'nothing committed')
  t.is(s.sim.sent().length, 2, 'two messages went out before the crash')
  await s.sim.close()

  // A restart: the provider reopens its log, the outbox is read again from the committed offset.
  const reopened = await SimulatedChannel.open({ logPath: s.logPath, now: () => T0 + 700 })
  const second = await s.start({ channel: reopened })
  const out = await deliveries(s, 3)
  await second.stop()
  await reopened.close()
  t.deepEqual(
    out.map((d) => d.value.status),
    ['SENT', 'SENT', 'SENT'],
  )
  const lines = readFileSync(s.logPath, 'utf8').trim().split('\n')
  t.deepEqual(
    lines.map((l) => (JSON.parse(l) as { key: string }).key).sort(),
    batch.map((n) => n.notificationId).sort(),
    'each notification is in the provider log once',
  )
  // Each keeps the reference the provider gave the first time, before the crash too.
  const logged = new Map(
    lines.map((l) => {
      const e = JSON.parse(l) as { key: string; outcome: { reference: string } }
      return [e.key, e.outcome.reference] as const
    }),
  )
  for (const d of out) t.is(d.value.providerReference, logged.get(d.key) ?? null)
})

test('the same notification twice in the outbox (a replayed source event) is sent once', async (t) => {
  const s = await setup('w-dup')
  const worker = await s.start()
  await send(s, [notification(1), notification(1)])
  const out = await deliveries(s, 2)
  await worker.stop()
  t.is(s.sim.sent().length, 1)
  t.deepEqual(
    out.map((d) => d.value.providerReference),
    [out[0]!.value.providerReference, out[0]!.value.providerReference],
  )
})

test('a failing provider is retried with back-off (not ready meanwhile), then the notification is sent', async (t) => {
  let failures = 2
  const s = await setup('w-retry', { unavailable: () => failures-- > 0 })
  const worker = await s.start({ retry: { baseMs: 50, maxMs: 100, attempts: 5 } })
  await send(s, [notification(1)])
  await eventually(async () => (worker.health().state === WorkerState.RETRYING ? true : undefined), {
    timeoutMs: 5000,
    // The retries last 150 ms in all: looked for more often than that.
    intervalMs: 10,
    what: 'the worker retrying',
  })
  t.false(worker.health().ready)
  const [d] = await deliveries(s, 1)
  await worker.stop()
  t.like(d!.value, { status: 'SENT', attempts: 3 })
})

test('still failing after every attempt: FAILED with the reason, and dead-lettered with its bytes', async (t) => {
  const s = await setup('w-exhausted', { unavailable: () => true })
  const worker = await s.start()
  const n = notification(1, 'SMS')
  await send(s, [n, notification(2)])
  const out = await deliveries(s, 2)
  await worker.stop()
  t.like(out.find((d) => d.key === n.notificationId)!.value, {
    notificationId: n.notificationId,
    status: 'FAILED',
    attempts: 3,
    providerReference: null,
    reason: 'gave up after 3 attempts: the SMS provider is unavailable',
    at: T0 + 900,
  })
  const dead = (await deadLetters(s)).find((d) => d.value.errorMessage.includes(n.notificationId))
  t.like(dead!.value, {
    stage: 'PROCESSING',
    errorCode: NOTIFICATIONS_ERROR_CODES.DELIVERY_FAILED,
    sourceTopic: s.topics.outbox,
    application: 'w-exhausted-channels',
  })
  t.regex(dead!.value.errorMessage, /SMS notification .* to farm-1: gave up after 3 attempts/)
  t.deepEqual({ ...(await s.serdes.notification.deserialize(s.topics.outbox, dead!.value.value!, {})) }, n)
  t.is(s.sim.sent().length, 0)
})

test('a refusal is not retried: FAILED with the provider reason, dead-lettered as rejected', async (t) => {
  const s = await setup('w-rejected', {
    rejects: (m) => (m.channel === 'SMS' ? 'the number takes no SMS' : undefined),
  })
  const worker = await s.start()
  await send(s, [notification(1, 'SMS')])
  const [d] = await deliveries(s, 1)
  await worker.stop()
  t.like(d!.value, {
    status: 'FAILED',
    attempts: 1,
    reason: 'refused by the provider: the number takes no SMS',
  })
  const [dead] = await deadLetters(s)
  t.is(dead!.value.errorCode, NOTIFICATIONS_ERROR_CODES.CHANNEL_REJECTED)
})

test('an outbox record that does not decode is dead-lettered; the next one is sent', async (t) => {
  const s = await setup('w-garbage')
  const worker = await s.start()
  await produce(s.backend, s.topics.outbox, s.serdes.notification, [
    { key: 'garbage', value: Buffer.from('not avro') },
    { key: notification(1).notificationId, value: notification(1) },
  ])
  const [d] = await deliveries(s, 1)
  await worker.stop()
  t.is(d!.value.status, 'SENT')
  const [dead] = await deadLetters(s)
  t.like(dead!.value, { stage: 'DESERIALIZATION', errorCode: 'OXA_AVRO_BAD_MAGIC_BYTE' })
})

test('bad worker options are refused with every problem named', async (t) => {
  const s = await setup('w-options')
  const error = await t.throwsAsync(
    s.start({ groupId: 'bad group', retry: { baseMs: 0, attempts: 0 }, channel: {} as never }),
  )
  t.true(error instanceof NotificationsError)
  t.regex(error!.message, /groupId/)
  t.regex(error!.message, /retry\/baseMs must be >= 1/)
  t.regex(error!.message, /retry\/attempts must be >= 1/)
  t.regex(error!.message, /channel must be a NotificationChannel/)
})
