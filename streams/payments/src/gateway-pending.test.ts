import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type OrderValidation,
  type PaymentEvent,
  type ProviderNotification,
} from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { notificationOf } from '@oxagry/payment-webhooks'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { startPaymentGateway } from './gateway.ts'
import { paymentEventIdOf, pendingNoteIdOf } from './ids.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { startPayments } from './service.ts'
import { SimulatedProvider } from './simulated-provider.ts'
import {
  createPaymentsTopics,
  paymentCommand,
  prefixedPaymentsTopics,
  readDecoded,
  sendCommands,
} from './testing.ts'
import { webhookBodyOf } from './webhook-deliverer.ts'

const T0 = 1_700_000_000_000
const stepOf = (e: PaymentEvent): string => Object.keys(e.payload)[0]?.split('.').pop() ?? ''

test('pending: the gateway writes PaymentRequested and a pending note, no outcome; the provider report, delivered twice, becomes one PaymentAuthorised and one PAYMENT answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-pending-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedPaymentsTopics('pending')
  await createPaymentsTopics(backend, topics)
  const serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const logger = pino({ level: 'silent' })
  const metricsRegistry = new Registry()
  const provider = await SimulatedProvider.open({
    ledgerPath: join(dir, 'ledger.jsonl'),
    declineRate: 0,
    pendingRate: 1,
    pendingDelayMs: 0,
  })
  const gateway = await startPaymentGateway({
    backend,
    provider,
    serdes,
    topics,
    groupId: 'pending-gateway',
    logger,
    metricsRegistry,
  })
  const payments = await startPayments({
    backend,
    serdes,
    topics,
    applicationId: 'pending-payments',
    streams: { logger, metricsRegistry, commitIntervalMs: 50 },
  })
  t.teardown(async () => {
    await gateway.stop()
    await provider.close()
    await payments.close()
  })
  const order = nameUuid('order:farm-1:pending')
  const command = paymentCommand(order, 'authorise', 4_200, T0)
  // Sent twice: a redelivered command is answered pending again and writes the same note.
  await sendCommands(backend, serdes, topics.paymentCommands, [command, command])
  const notes = await eventually(
    async () => {
      const found = await readDecoded<ProviderNotification>(
        backend,
        topics.providerNotifications,
        serdes.providerNotification,
      )
      return found.length >= 2 ? found : undefined
    },
    { timeoutMs: 10_000, what: 'two pending notes' },
  )
  t.deepEqual(
    notes.map((n) => n.value.notificationId),
    [pendingNoteIdOf(command.commandId), pendingNoteIdOf(command.commandId)],
  )
  t.true(notes.every((n) => n.key === order))
  const before = await readDecoded<PaymentEvent>(backend, topics.paymentEvents, serdes.paymentEvent)
  t.deepEqual(
    before.map((e) => stepOf(e.value)),
    ['PaymentRequested', 'PaymentRequested'],
  )
  t.is(provider.calls.authorise, 2)
  t.is(provider.ledger.balance(command.paymentId), undefined, 'nothing held until the outcome is delivered')

  // What the webhook route writes for a verified delivery, twice (the provider retried).
  const [delivery] = provider.dueDeliveries()
  const report = notificationOf(
    webhookBodyOf(delivery!, provider.notificationIdOf(delivery!.paymentId, 'authorise')),
    'simulated',
    Date.now(),
  )
  const producer = await backend.producer({})
  for (let i = 0; i < 2; i++)
    await producer.send([
      {
        topic: topics.providerNotifications,
        key: Buffer.from(order),
        value: await serdes.providerNotification.serialize(topics.providerNotifications, report, {}),
        timestamp: Date.now(),
        headers: {},
      },
    ])
  await producer.close()
  await provider.settle(delivery!.paymentId, 'authorise')

  const answers = await eventually(
    async () => {
      const found = await readDecoded<OrderValidation>(backend, topics.orderValidations, serdes.validation)
      return found.some((a) => a.value.check === 'PAYMENT') ? found : undefined
    },
    { timeoutMs: 15_000, what: 'the PAYMENT answer' },
  )
  // Give a second outcome every chance to appear before counting.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const events = await readDecoded<PaymentEvent>(backend, topics.paymentEvents, serdes.paymentEvent)
  const outcomes = events.filter((e) => stepOf(e.value) === 'PaymentAuthorised')
  t.is(outcomes.length, 1)
  t.is(outcomes[0]!.value.eventId, paymentEventIdOf(command.commandId, 'outcome'))
  t.is(answers.filter((a) => a.value.check === 'PAYMENT' && a.value.passed).length, 1)
  t.like(provider.ledger.balance(command.paymentId), { authorisedMinor: 4_200 })
  const metrics = await metricsRegistry.getSingleMetricAsString('oxagry_payment_gateway_commands_total')
  t.regex(metrics, /result="pending"\} 2/)
})
