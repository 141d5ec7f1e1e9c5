import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type CurrencyCode,
  type CustomerId,
  type DeadLetter,
  type OrderEvent,
  type OrderId,
  type OrderValidation,
  type ProductId,
  type WarehouseId,
} from '@oxagry/avro'
import { MemoryBackend, MemoryBroker, type KafkaBackend } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { readPaymentsEnv } from './config.ts'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { startPaymentGateway } from './gateway.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { buildHttp, startPayments } from './service.ts'
import { SimulatedProvider } from './simulated-provider.ts'
import {
  createPaymentsTopics,
  paymentCommand,
  prefixedPaymentsTopics,
  readDecoded,
  sendCommands,
} from './testing.ts'

const T0 = 1_700_000_000_000

test('embedded: gateway and topology on one memory broker: a command becomes a PAYMENT answer; an order a FRAUD answer through the repartition; an undecodable event a dead letter; health and metrics answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-payments-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const backend = new MemoryBackend(new MemoryBroker())
  const topics = prefixedPaymentsTopics('embedded')
  await createPaymentsTopics(backend, topics)
  const serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const metricsRegistry = new Registry()
  const logger = pino({ level: 'silent' })
  const payments = await startPayments({
    backend,
    serdes,
    topics,
    applicationId: 'embedded-payments',
    streams: { logger, metricsRegistry, commitIntervalMs: 50 },
  })
  const provider = await SimulatedProvider.open({ ledgerPath: join(dir, 'ledger.jsonl'), declineRate: 0 })
  const gateway = await startPaymentGateway({ backend, provider, serdes, topics, logger, metricsRegistry })
  t.teardown(async () => {
    await gateway.stop()
    await provider.close()
    await payments.close()
  })
  const order = nameUuid('order:farm-1:embedded')
  await sendCommands(backend, serdes, topics.paymentCommands, [paymentCommand(order, 'authorise', 4_200, T0)])
  const producer = await (backend as KafkaBackend).producer({ clientId: 'garbage' })
  await producer.send([
    {
      topic: topics.paymentEvents,
      key: Buffer.from(order),
      value: Buffer.from('not avro'),
      timestamp: T0,
      headers: {},
    },
  ])
  const placed: OrderEvent = {
    eventId: nameUuid(`placed:${order}`),
    orderId: order as OrderId,
    occurredAt: T0,
    payload: {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: 'farm-1' as CustomerId,
        items: [
          {
            productId: 'seed' as ProductId,
            warehouseId: 'wh-1' as WarehouseId,
            quantity: 2,
            unitPriceMinor: 2_100,
          },
        ],
        currency: 'EUR' as CurrencyCode,
        deliveryLocation: { latitude: 52, longitude: 5, address: null },
        idempotencyKey: 'embedded',
      },
    },
  }
  await producer.send([
    {
      topic: topics.orderEvents,
      key: Buffer.from(order),
      value: await serdes.orderEvent.serialize(topics.orderEvents, placed, {}),
      timestamp: T0,
      headers: {},
    },
  ])
  await producer.close()

  const answers = await eventually(
    async () => {
      const found = await readDecoded<OrderValidation>(backend, topics.orderValidations, serdes.validation)
      return found.length >= 2 ? found : undefined
    },
    { timeoutMs: 20_000, what: 'the PAYMENT and FRAUD answers' },
  )
  const byCheck = Object.fromEntries(answers.map((a) => [a.value.check, a]))
  t.like(byCheck.PAYMENT, { key: order, value: { passed: true, orderId: order } })
  t.like(byCheck.FRAUD, { key: order, value: { passed: true, orderId: order } })
  t.regex(byCheck.FRAUD?.value.note ?? '', /spend 4200 EUR/, 'through the repartition by customer')
  const dead = await eventually(
    async () => {
      const found = await readDecoded<DeadLetter>(backend, topics.deadLetters, serdes.deadLetter)
      return found.length > 0 ? found : undefined
    },
    { timeoutMs: 20_000, what: 'the dead letter' },
  )
  t.like(dead[0]?.value, {
    application: 'embedded-payments',
    stage: 'DESERIALIZATION',
    sourceTopic: topics.paymentEvents,
  })
  t.deepEqual(dead[0]?.value.value, Buffer.from('not avro'))

  const http = buildHttp({ streams: payments.streams, gateway })
  t.teardown(() => http.close())
  const ready = await http.inject({ url: '/health/ready' })
  t.is(ready.statusCode, 200)
  t.deepEqual(Object.keys(ready.json<{ parts: object }>().parts), ['processor', 'gateway'])
  t.is((await http.inject({ url: '/health/live' })).statusCode, 200)
  const metrics = (await http.inject({ url: '/metrics' })).body
  t.regex(metrics, /oxagry_streams_/)
  t.regex(
    metrics,
    /oxagry_payment_gateway_provider_calls_total\{operation="authorise",outcome="approved"\} 1/,
  )
  await gateway.stop()
  t.is((await http.inject({ url: '/health/live' })).statusCode, 503, 'a stopped gateway is not live')
})

test('environment: defaults, and every bad value named', (t) => {
  const env = readPaymentsEnv({
    PAYMENTS_FRAUD_LIMITS: 'EUR=500000,SEK=9000000',
    PAYMENTS_PROVIDER_OUTAGES: '10-20',
  })
  t.is(env.role, 'both')
  t.deepEqual(env.fraud.limitsMinor, { EUR: 500_000, SEK: 9_000_000 })
  t.deepEqual(env.provider.outages, [{ fromMs: 10, toMs: 20 }])
  t.is(env.processingGuarantee, 'exactly_once')
  const error = t.throws(
    () =>
      readPaymentsEnv({
        PAYMENTS_ROLE: 'everything',
        PAYMENTS_FRAUD_LIMITS: 'euro=5',
        PAYMENTS_PROVIDER_DECLINE_RATE: '2',
        PAYMENTS_HTTP_PORT: '99999',
      }),
    { instanceOf: PaymentsError },
  )
  t.is(error?.code, PAYMENTS_ERROR_CODES.INVALID_OPTIONS)
  for (const name of ['PAYMENTS_ROLE', 'PAYMENTS_FRAUD_LIMITS', 'DECLINE_RATE', 'PAYMENTS_HTTP_PORT'])
    t.regex(error?.message ?? '', new RegExp(name))
})

test('environment: the webhook the simulated provider delivers pending outcomes to', (t) => {
  const env = readPaymentsEnv({
    PAYMENTS_PROVIDER_PENDING_RATE: '0.25',
    PAYMENTS_WEBHOOK_URL: 'http://127.0.0.1:8080/api/v1/payments/webhooks/simulated',
    PAYMENTS_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
  })
  t.like(env.provider, { pendingRate: 0.25, pendingDelayMs: 2000 })
  t.deepEqual(env.webhook, {
    url: 'http://127.0.0.1:8080/api/v1/payments/webhooks/simulated',
    secret: 'whsec_0123456789abcdef',
  })
  t.is(readPaymentsEnv({}).webhook, undefined)
  const error = t.throws(() =>
    readPaymentsEnv({
      PAYMENTS_PROVIDER_PENDING_RATE: '1.5',
      PAYMENTS_PROVIDER_PENDING_DELAY_MS: '-3',
      PAYMENTS_WEBHOOK_URL: 'ftp://x',
    }),
  )
  for (const name of ['PENDING_RATE must', 'PENDING_DELAY_MS', 'go together', 'WEBHOOK_URL must be'])
    t.regex(error?.message ?? '', new RegExp(name))
  t.regex(
    t.throws(() => readPaymentsEnv({ PAYMENTS_PROVIDER_PENDING_RATE: '0.5' }))?.message ?? '',
    /needs PAYMENTS_WEBHOOK_URL/,
  )
})

test('topology options: every problem named', async (t) => {
  const serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), undefined, { autoRegister: true })
  const thrown = await startPayments({
    backend: new MemoryBackend(),
    serdes,
    fraud: { windowMs: 0, limitsMinor: { eur: 5 } },
    topics: { paymentEvents: 'orders.order-events.v1' },
  }).catch((e: unknown) => e)
  t.true(thrown instanceof PaymentsError)
  t.regex((thrown as Error).message, /different topics[\s\S]*windowMs[\s\S]*limitsMinor\/eur/)
})
