import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { InMemorySchemaRegistry, nameUuid, type DeadLetter, type PaymentEvent } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { GatewayState, type GatewayOptions } from './gateway-options.ts'
import { startPaymentGateway } from './gateway.ts'
import { paymentEventIdOf } from './ids.ts'
import type { PaymentsSerdes, PaymentsTopics } from './options.ts'
import type { PaymentProvider } from './provider.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts'
import {
  createPaymentsTopics,
  paymentCommand,
  prefixedPaymentsTopics,
  readDecoded,
  sendCommands,
} from './testing.ts'

const T0 = 1_700_000_000_000
const dirs: string[] = []
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function setup(name: string, provider: Partial<SimulatedProviderOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-gateway-'))
  dirs.push(dir)
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedPaymentsTopics(name)
  await createPaymentsTopics(backend, topics)
  const serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const ledgerPath = join(dir, 'ledger.jsonl')
  const sim = await SimulatedProvider.open({ ledgerPath, declineRate: 0, ...provider })
  const start = (over: Partial<GatewayOptions> = {}) =>
    startPaymentGateway({
      backend,
      provider: sim,
      serdes,
      topics,
      groupId: `${name}-gateway`,
      retry: { baseMs: 10, maxMs: 40 },
      logger: pino({ level: 'silent' }),
      metricsRegistry: new Registry(),
      ...over,
    })
  return { backend, topics, serdes, sim, start, ledgerPath }
}

const stepOf = (e: PaymentEvent): string => Object.keys(e.payload)[0]?.split('.').pop() ?? ''

function steps(events: { key: string; value: PaymentEvent }[]): string[] {
  return events.map((e) => `${e.key.slice(0, 8)}:${Object.keys(e.value.payload)[0]?.split('.').pop()}`)
}

async function eventsOf(
  s: { backend: MemoryBackend; topics: PaymentsTopics; serdes: PaymentsSerdes },
  count: number,
) {
  return eventually(
    async () => {
      const events = await readDecoded(s.backend, s.topics.paymentEvents, s.serdes.paymentEvent)
      return events.length >= count ? events : undefined
    },
    { timeoutMs: 10_000, what: `${count} payment events` },
  )
}

for (const guarantee of ['exactly_once', 'at_least_once'] as const) {
  test(`${guarantee}: authorise then capture write Requested, Authorised, Captured keyed by order; the ledger agrees`, async (t) => {
    const s = await setup(`gw-${guarantee}`)
    const order = nameUuid('order:farm-1:a')
    const gateway = await s.start({ processingGuarantee: guarantee })
    await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
      paymentCommand(order, 'authorise', 25_000, T0),
      paymentCommand(order, 'capture', 25_000, T0 + 1000),
    ])
    const events = await eventsOf(s, 3)
    t.deepEqual(steps(events), [
      `${order.slice(0, 8)}:PaymentRequested`,
      `${order.slice(0, 8)}:PaymentAuthorised`,
      `${order.slice(0, 8)}:PaymentCaptured`,
    ])
    const authorise = paymentCommand(order, 'authorise', 25_000, T0)
    t.is(events[0]?.value.eventId, paymentEventIdOf(authorise.commandId, 'requested'))
    t.is(events[1]?.value.eventId, paymentEventIdOf(authorise.commandId, 'outcome'))
    t.like(events[0]?.value, {
      occurredAt: T0,
      payload: { 'dev.oxagry.payments.PaymentRequested': { amountMinor: 25_000, method: 'CARD' } },
    })
    t.like(s.sim.ledger.balance(authorise.paymentId), { authorisedMinor: 25_000, capturedMinor: 25_000 })
    await eventually(
      async () =>
        s.backend.broker.committed(`gw-${guarantee}-gateway`, {
          topic: s.topics.paymentCommands,
          partition: 0,
        }) !== undefined ||
        s.backend.broker.committed(`gw-${guarantee}-gateway`, {
          topic: s.topics.paymentCommands,
          partition: 1,
        }) !== undefined ||
        s.backend.broker.committed(`gw-${guarantee}-gateway`, {
          topic: s.topics.paymentCommands,
          partition: 2,
        }) !== undefined ||
        undefined,
      { timeoutMs: 5_000, what: 'the commands committed' },
    )
    const metrics = await gateway.metrics.registry.metrics()
    t.regex(
      metrics,
      /oxagry_payment_gateway_provider_calls_total\{operation="authorise",outcome="approved"\} 1/,
    )
    t.regex(
      metrics,
      /oxagry_payment_gateway_provider_calls_total\{operation="capture",outcome="approved"\} 1/,
    )
    t.regex(
      metrics,
      /oxagry_payment_gateway_amount_minor_total\{step="PaymentCaptured",currency="EUR"\} 25000/,
      'revenue captured, in minor units',
    )
    t.notRegex(metrics, /amount_minor_total\{step="PaymentAuthorised"/, 'an authorisation moves no money')
    t.true(gateway.health().ready)
    await gateway.stop()
    t.is(gateway.health().state, GatewayState.STOPPED)
    await s.sim.close()
  })
}

test('a redelivered command writes the same events (same ids) and does not charge twice', async (t) => {
  const s = await setup('gw-redelivery')
  const order = nameUuid('order:farm-1:b')
  const gateway = await s.start()
  const authorise = paymentCommand(order, 'authorise', 10_000, T0)
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [authorise, authorise])
  const events = await eventsOf(s, 4)
  t.is(new Set(events.map((e) => e.value.eventId)).size, 2, 'two events, each twice with the same id')
  t.deepEqual(events[1]?.value, events[3]?.value)
  t.is(s.sim.ledger.balance(authorise.paymentId)?.authorisedMinor, 10_000)
  await gateway.stop()
  await s.sim.close()
})

test('a declined authorisation writes PaymentFailed with the reason and the message', async (t) => {
  const s = await setup('gw-declined', { declineRate: 1 })
  const order = nameUuid('order:farm-1:c')
  const gateway = await s.start()
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
    paymentCommand(order, 'authorise', 10_000, T0),
  ])
  const events = await eventsOf(s, 2)
  const failed = events[1]?.value.payload as {
    'dev.oxagry.payments.PaymentFailed': { reason: string; message: string }
  }
  t.true(['DECLINED', 'INSUFFICIENT_FUNDS'].includes(failed['dev.oxagry.payments.PaymentFailed'].reason))
  t.truthy(failed['dev.oxagry.payments.PaymentFailed'].message)
  await gateway.stop()
  await s.sim.close()
})

test('a provider outage is retried with back-off while the partition waits: not ready, then the outcome', async (t) => {
  // The provider's clock: inside the outage window until the test moves it past.
  let clock = 500
  const s = await setup('gw-outage', { outages: [{ fromMs: 0, toMs: 1_000 }], now: () => clock })
  const order = nameUuid('order:farm-1:d')
  const gateway = await s.start()
  t.teardown(() => gateway.stop())
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
    paymentCommand(order, 'authorise', 10_000, T0),
  ])
  await eventually(async () => (gateway.health().state === GatewayState.RETRYING ? true : undefined), {
    timeoutMs: 5_000,
    what: 'retrying',
  })
  t.false(gateway.health().ready)
  t.is(gateway.health().lastError?.code, PAYMENTS_ERROR_CODES.PROVIDER_UNAVAILABLE)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.deepEqual(
    steps(await readDecoded(s.backend, s.topics.paymentEvents, s.serdes.paymentEvent)).map(
      (x) => x.split(':')[1],
    ),
    ['PaymentRequested'],
    'no outcome while the provider is down',
  )
  clock = 1_000
  const events = await eventsOf(s, 2)
  t.deepEqual(
    steps(events).map((x) => x.split(':')[1]),
    ['PaymentRequested', 'PaymentAuthorised'],
  )
  t.like(events[1]?.value, { occurredAt: 1_000 })
  t.true(gateway.health().ready)
  const metrics = await gateway.metrics.registry.metrics()
  const retries = Number(
    /oxagry_payment_gateway_retries_total\{operation="authorise"\} (\d+)/.exec(metrics)?.[1],
  )
  t.true(retries >= 3, `retried ${retries} times`)
  t.regex(metrics, /provider_calls_total\{operation="authorise",outcome="unavailable"\}/)
  await gateway.stop()
  await s.sim.close()
})

test('stopped during an outage, the command stays uncommitted and the next gateway does it once', async (t) => {
  let clock = 500
  const s = await setup('gw-stop', { outages: [{ fromMs: 0, toMs: 1_000 }], now: () => clock })
  const order = nameUuid('order:farm-1:e')
  const first = await s.start()
  t.teardown(() => first.stop())
  const authorise = paymentCommand(order, 'authorise', 10_000, T0)
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [authorise])
  await eventually(async () => (first.health().state === GatewayState.RETRYING ? true : undefined), {
    timeoutMs: 5_000,
  })
  await first.stop()
  t.is((await first.closed).state, GatewayState.STOPPED)
  clock = 1_000
  const second = await s.start()
  t.teardown(() => second.stop())
  const events = await eventsOf(s, 3)
  t.deepEqual(
    steps(events).map((x) => x.split(':')[1]),
    ['PaymentRequested', 'PaymentRequested', 'PaymentAuthorised'],
    'Requested again (the same id), the outcome once',
  )
  t.is(events[0]?.value.eventId, events[1]?.value.eventId)
  t.is(s.sim.ledger.balance(authorise.paymentId)?.authorisedMinor, 10_000)
  await second.stop()
  await s.sim.close()
})

test('an undecodable command is dead-lettered with the catalogue envelope; the next one is done', async (t) => {
  const s = await setup('gw-dead')
  const order = nameUuid('order:farm-1:f')
  const gateway = await s.start()
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [Buffer.from([0, 0, 0, 0, 42, 1])], order)
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
    paymentCommand(order, 'authorise', 5, T0),
  ])
  await eventsOf(s, 2)
  const dead = await readDecoded<DeadLetter>(s.backend, s.topics.deadLetters, s.serdes.deadLetter)
  t.is(dead.length, 1)
  t.like(dead[0]?.value, {
    application: 'gw-dead-gateway',
    stage: 'DESERIALIZATION',
    sourceTopic: s.topics.paymentCommands,
  })
  t.deepEqual(dead[0]?.value.value, Buffer.from([0, 0, 0, 0, 42, 1]))
  t.regex(await gateway.metrics.registry.metrics(), /commands_total\{result="dead_lettered"\} 1/)
  await gateway.stop()
  await s.sim.close()
})

test('bad gateway options are refused with every problem named', async (t) => {
  const s = await setup('gw-options')
  const error = await t.throwsAsync(() =>
    s.start({ groupId: 'no spaces', retry: { baseMs: 0, maxMs: -1 }, processingGuarantee: 'maybe' as never }),
  )
  t.regex(error?.message ?? '', /groupId[\s\S]*processingGuarantee[\s\S]*baseMs[\s\S]*maxMs/)
  await s.sim.close()
})

test('void and refund: PaymentVoided and PaymentRefunded with the amounts; a capture after a void fails', async (t) => {
  const s = await setup('gw-void-refund')
  const gateway = await s.start()
  t.teardown(() => gateway.stop())
  const [voided, refunded] = [nameUuid('order:farm-1:v'), nameUuid('order:farm-1:r')]
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
    paymentCommand(voided, 'authorise', 7_000, T0),
    paymentCommand(voided, 'void', 7_000, T0 + 1),
    paymentCommand(voided, 'capture', 7_000, T0 + 2),
    paymentCommand(refunded, 'authorise', 9_000, T0),
    paymentCommand(refunded, 'capture', 9_000, T0 + 1),
    paymentCommand(refunded, 'refund', 2_500, T0 + 2),
  ])
  const events = await eventsOf(s, 8)
  const of = (order: string) =>
    events.filter((e) => e.key === order).map((e) => ({ [stepOf(e.value)]: e.value.payload }))
  t.deepEqual(
    of(voided).map((e) => Object.keys(e)[0]),
    ['PaymentRequested', 'PaymentAuthorised', 'PaymentVoided', 'PaymentFailed'],
  )
  t.deepEqual(
    of(refunded).map((e) => Object.keys(e)[0]),
    ['PaymentRequested', 'PaymentAuthorised', 'PaymentCaptured', 'PaymentRefunded'],
  )
  const refund = events.find((e) => stepOf(e.value) === 'PaymentRefunded')?.value.payload
  t.deepEqual(JSON.parse(JSON.stringify(refund)), {
    'dev.oxagry.payments.PaymentRefunded': { amountMinor: 2_500, currency: 'EUR', reason: 'returned' },
  })
  const failed = events.find((e) => e.key === voided && stepOf(e.value) === 'PaymentFailed')?.value.payload
  t.regex(JSON.stringify(failed), /capture declined: nothing to capture: the authorisation was voided/)
  t.like(s.sim.ledger.balance(nameUuid(`payment:${refunded}:1`)), {
    capturedMinor: 9_000,
    refundedMinor: 2_500,
  })
})

test('two gateways in one group share the partitions: every command done, each payment charged once', async (t) => {
  const s = await setup('gw-group')
  const first = await s.start()
  t.teardown(() => first.stop())
  const orders = Array.from({ length: 12 }, (_, i) => nameUuid(`order:farm-1:g${i}`))
  await sendCommands(
    s.backend,
    s.serdes,
    s.topics.paymentCommands,
    orders.slice(0, 6).map((o) => paymentCommand(o, 'authorise', 1_000, T0)),
  )
  const second = await s.start()
  t.teardown(() => second.stop())
  await sendCommands(
    s.backend,
    s.serdes,
    s.topics.paymentCommands,
    orders.slice(6).map((o) => paymentCommand(o, 'authorise', 1_000, T0)),
  )
  const events = await eventsOf(s, 24)
  const authorised = new Set(events.filter((e) => stepOf(e.value) === 'PaymentAuthorised').map((e) => e.key))
  t.is(authorised.size, 12)
  for (const o of orders) t.is(s.sim.ledger.balance(nameUuid(`payment:${o}:1`))?.authorisedMinor, 1_000)
  t.true(first.health().live && second.health().live)
  t.is(first.health().partitions + second.health().partitions, 3)
  t.true(
    first.health().partitions > 0 && second.health().partitions > 0,
    'the partitions moved to the second member',
  )
})

test('a provider error that retrying cannot help fails the gateway without committing; a retriable one is retried', async (t) => {
  const s = await setup('gw-errors')
  let calls = 0
  const broken: PaymentProvider = {
    name: 'broken',
    authorise: async () => {
      calls++
      if (calls < 3)
        throw new PaymentsError(PAYMENTS_ERROR_CODES.PROVIDER_UNAVAILABLE, 'timeout', { retriable: true })
      throw new PaymentsError(PAYMENTS_ERROR_CODES.LEDGER, 'disk full')
    },
    capture: () => Promise.reject(new Error('unused')),
    void: () => Promise.reject(new Error('unused')),
    refund: () => Promise.reject(new Error('unused')),
  }
  const gateway = await s.start({ provider: broken })
  t.teardown(() => gateway.stop())
  await sendCommands(s.backend, s.serdes, s.topics.paymentCommands, [
    paymentCommand(nameUuid('order:farm-1:x'), 'authorise', 500, T0),
  ])
  const closed = await gateway.closed
  t.is(closed.state, GatewayState.FAILED)
  t.is((closed.error as PaymentsError).code, PAYMENTS_ERROR_CODES.LEDGER)
  t.is(calls, 3, 'two retriable failures retried, the third error final')
  t.false(gateway.health().live)
  const events = await readDecoded(s.backend, s.topics.paymentEvents, s.serdes.paymentEvent)
  t.deepEqual(
    events.map((e) => stepOf(e.value)),
    ['PaymentRequested'],
    'no outcome',
  )
  for (const partition of [0, 1, 2])
    t.is(
      s.backend.broker.committed('gw-errors-gateway', { topic: s.topics.paymentCommands, partition }),
      undefined,
    )
  t.regex(
    await gateway.metrics.registry.metrics(),
    /provider_calls_total\{operation="authorise",outcome="error"\} 3/,
  )
})
