import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ConfluentSchemaRegistry,
  Contracts,
  createAvroSerde,
  nameUuid,
  type OrderStatus,
  type PaymentEvent,
  type ProviderNotification,
} from '@oxagry/avro'
import { COMMERCE_SCOPES, loadOrCreateLocalKey, mintToken } from '@oxagry/api-auth'
import { KafkaJsBackend, readTopic } from '@oxagry/kafka'
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '@oxagry/payment-webhooks'
import { TOPICS } from '@oxagry/topics'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import { readConfig } from './config.ts'
import { platformNames } from './names.ts'
import { startPlatform } from './platform.ts'

// The pending path on the stack's Kafka and registry: every authorisation of the simulated provider
// is answered pending, and its outcome comes back over HTTP to the API's webhook, signed.
const stack = await integrationTest('kafka', 'schemaRegistry')

const SECRET = 'whsec_integration_0123456789'

stack(
  'on the stack: a pending authorisation reaches the webhook, becomes one PaymentAuthorised, and the order is CONFIRMED on the status topic',
  async (t) => {
    t.timeout(240_000)
    const prefix = `it-webhook-${randomUUID().slice(0, 8)}`
    const config = readConfig({
      PORT: '0',
      STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-webhook-')),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: serviceUrl('schemaRegistry'),
      CLICKHOUSE_URL: 'chdb::memory:',
      TOPIC_PREFIX: prefix,
      SIM_MACHINES: '1',
      SIM_ORDER_RATE: '0.2',
      PAYMENT_WEBHOOK_SECRET: SECRET,
      SIM_PAYMENT_PENDING_RATE: '1',
      // Every authorisation pending, none declined: the simulated provider declines 10 % by default, and
      // a declined checkout never reaches the webhook this test follows.
      SIM_DECLINE_RATE: '0',
    })
    if (config.api.auth.mode !== 'local') throw new Error(`auth is ${config.api.auth.mode} on real services`)
    const key = await loadOrCreateLocalKey(config.api.auth.keyFile)
    const token = await mintToken(key, {
      subject: 'it',
      scopes: [COMMERCE_SCOPES.read, COMMERCE_SCOPES.write],
    })
    const platform = await startPlatform(config, pino({ level: 'silent' }))
    t.teardown(() => platform.close({ timeoutMs: 30_000 }))
    const base = new URL(platform.urls.api).origin
    const names = platformNames(prefix)

    // The webhook answers only what is signed with the configured secret, token or not.
    const forged = await fetch(`${base}/api/v1/payments/webhooks/simulated`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(
          'whsec_not_the_secret_000',
          '{}',
          Math.floor(Date.now() / 1000),
        ),
      },
      body: '{}',
    })
    t.is(forged.status, 401)

    const checkout = {
      customerId: 'farm-0001',
      currency: 'EUR',
      items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 1, unitPriceMinor: 3450 }],
      deliveryLocation: { latitude: 52.37, longitude: 9.73 },
    }
    // The market's catalogue and stock are written when the platform starts; retried until placed.
    const idempotencyKey = `it-webhook-${prefix}`
    const orderId = nameUuid(`order:farm-0001:${idempotencyKey}`)
    const placed = await fetch(`${base}/api/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(checkout),
    })
    t.is(placed.status, 202, await placed.text())

    const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: prefix })
    t.teardown(() => backend.close())
    const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
    const statusTopic = names.topic(TOPICS.orderStatus.name)
    const eventsTopic = names.topic(TOPICS.paymentEvents.name)
    const notesTopic = names.topic(TOPICS.providerNotifications.name)
    const statusSerde = await createAvroSerde({ registry, contract: Contracts.OrderStatus })
    const eventSerde = await createAvroSerde({ registry, contract: Contracts.PaymentEvent })
    const noteSerde = await createAvroSerde({ registry, contract: Contracts.ProviderNotification })
    async function decoded<T>(
      topic: string,
      serde: { deserialize(t: string, b: Buffer, h: object): T | Promise<T> },
    ) {
      const out: T[] = []
      for (const r of await readTopic(backend, topic))
        if (r.key?.toString() === orderId && r.value !== null)
          out.push(await serde.deserialize(topic, r.value, {}))
      return out
    }

    const decided = await eventually(
      async () => {
        const statuses = await decoded<OrderStatus>(statusTopic, statusSerde)
        return statuses.find((s) => s.state === 'CONFIRMED' || s.state === 'CANCELLED')
      },
      {
        timeoutMs: 120_000,
        what: `the decision of ${orderId} on ${statusTopic}`,
        state: () => platform.health(),
      },
    )
    t.is(decided.state, 'CONFIRMED', JSON.stringify(decided))

    const notes = await decoded<ProviderNotification>(notesTopic, noteSerde)
    const kinds = notes.map((n) => Object.keys(n.payload)[0]?.split('.').pop())
    t.true(kinds.includes('PaymentPending'), `the gateway's note: ${kinds.join(', ')}`)
    t.true(kinds.includes('ProviderOutcomeReported'), `the webhook's report: ${kinds.join(', ')}`)
    const events = await decoded<PaymentEvent>(eventsTopic, eventSerde)
    const steps = events.map((e) => Object.keys(e.payload)[0]?.split('.').pop())
    t.is(steps.filter((s) => s === 'PaymentAuthorised').length, 1, steps.join(', '))
    t.is(steps.filter((s) => s === 'PaymentRequested').length, 1, steps.join(', '))
  },
)
