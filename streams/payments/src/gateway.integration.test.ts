import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfluentSchemaRegistry, nameUuid, type OrderValidation, type PaymentEvent } from '@oxagry/avro'
import { KafkaJsBackend } from '@oxagry/kafka'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { startPaymentGateway } from './gateway.ts'
import { paymentEventIdOf } from './ids.ts'
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

const test = await integrationTest('kafka', 'schemaRegistry')

const stepOf = (e: PaymentEvent): string => Object.keys(e.payload)[0]?.split('.').pop() ?? ''

test('Kafka: authorise and capture commands → Requested, Authorised, Captured; the ledger agrees; redelivered commands charge once; the topology answers PAYMENT', async (t) => {
  const run = `it-payments-${randomUUID().slice(0, 8)}`
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-payments-it-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const topics = prefixedPaymentsTopics(run)
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: run })
  t.teardown(() => backend.close())
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  await createPaymentsTopics(backend, topics, 3)
  const serdes = await createPaymentsSerdes(registry, topics, { autoRegister: true })
  const logger = pino({ level: 'warn' })
  const provider = await SimulatedProvider.open({ ledgerPath: join(dir, 'ledger.jsonl'), declineRate: 0 })
  t.teardown(() => provider.close())
  const start = (groupId: string) =>
    startPaymentGateway({
      backend,
      provider,
      serdes,
      topics,
      groupId,
      processingGuarantee: 'exactly_once',
      logger,
      metricsRegistry: new Registry(),
    })
  const gateway = await start(`${run}-gateway`)
  t.teardown(() => gateway.stop())

  const order = nameUuid(`order:farm-1:${run}`)
  const authorise = paymentCommand(order, 'authorise', 31_500, Date.now())
  const capture = paymentCommand(order, 'capture', 31_500, Date.now() + 1)
  await sendCommands(backend, serdes, topics.paymentCommands, [authorise, capture])
  const read = () => readDecoded(backend, topics.paymentEvents, serdes.paymentEvent)
  const events = await eventually(async () => ((await read()).length >= 3 ? await read() : undefined), {
    timeoutMs: 60_000,
    what: 'three payment events',
  })
  t.deepEqual(
    events.map((e) => [e.key, stepOf(e.value)]),
    [
      [order, 'PaymentRequested'],
      [order, 'PaymentAuthorised'],
      [order, 'PaymentCaptured'],
    ],
  )
  t.is(events[1]?.value.eventId, paymentEventIdOf(authorise.commandId, 'outcome'))
  t.like(provider.ledger.balance(authorise.paymentId), { authorisedMinor: 31_500, capturedMinor: 31_500 })

  // Redelivery: the authorisation sent again, and the whole topic read again by another group.
  await sendCommands(backend, serdes, topics.paymentCommands, [authorise])
  const replay = await start(`${run}-replay`)
  t.teardown(() => replay.stop())
  const again = await eventually(async () => ((await read()).length >= 10 ? await read() : undefined), {
    timeoutMs: 60_000,
    what: 'the redelivered commands’ events',
  })
  t.is(
    again.length,
    10,
    '3, then 2 for the resent authorisation, then 5 as the replaying group reads the three commands',
  )
  t.deepEqual(
    [...new Set(again.map((e) => e.value.eventId))].sort(),
    events.map((e) => e.value.eventId).sort(),
    'the same three events, written again with their ids',
  )
  t.like(provider.ledger.balance(authorise.paymentId), { authorisedMinor: 31_500, capturedMinor: 31_500 })
  t.is(provider.calls.authorise, 4, 'called four times, charged once')
  t.true(gateway.health().live)

  // The topology reads the events and answers PAYMENT once for the order and payment.
  const payments = await startPayments({
    backend,
    serdes,
    topics,
    applicationId: `${run}-payments`,
    processingGuarantee: 'exactly_once',
    streams: { logger },
  })
  t.teardown(() => payments.close())
  const answers = await eventually(
    async () => {
      const found = await readDecoded<OrderValidation>(backend, topics.orderValidations, serdes.validation)
      return found.length > 0 ? found : undefined
    },
    { timeoutMs: 60_000, what: 'the PAYMENT answer' },
  )
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  const all = await readDecoded<OrderValidation>(backend, topics.orderValidations, serdes.validation)
  t.is(all.length, 1, 'one answer, though the authorisation was written three times')
  t.like(answers[0], { key: order, value: { check: 'PAYMENT', passed: true } })
})
