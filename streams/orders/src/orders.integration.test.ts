import { randomUUID } from 'node:crypto'
import {
  ConfluentSchemaRegistry,
  nameUuid,
  type CurrencyCode,
  type CustomerId,
  type DeadLetter,
  type OrderEvent,
  type OrderId,
  type OrderStatus,
  type OrderValidation,
  type ProductId,
  type WarehouseId,
} from '@oxagry/avro'
import { KafkaJsBackend, readTopic, type KafkaBackend, type Serde } from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { pino } from 'pino'
import type { OrdersTopics } from './options.ts'
import { createOrdersSerdes } from './serdes.ts'
import { startOrders } from './service.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

const EUR = 'EUR' as CurrencyCode
const SEED = 'SEED-WHEAT-25KG' as ProductId

function prefixed(run: string): OrdersTopics {
  return {
    orderEvents: `${run}.order-events`,
    orderCommands: `${run}.order-commands`,
    orderValidations: `${run}.order-validations`,
    orderStatus: `${run}.order-status`,
    paymentEvents: `${run}.payment-events`,
    paymentCommands: `${run}.payment-commands`,
    stockCommands: `${run}.stock-commands`,
    products: `${run}.products`,
    deadLetters: `${run}.dead-letters`,
  }
}

async function decoded<T>(backend: KafkaBackend, serde: Serde<T>, topic: string): Promise<T[]> {
  const out: T[] = []
  for (const r of await readTopic(backend, topic))
    if (r.value !== null) out.push(await serde.deserialize(topic, r.value, r.headers))
  return out
}

test('orders on the broker under exactly-once: one decision per order by precedence, a corrupt record dead-lettered with its bytes', async (t) => {
  const run = `it-orders-${randomUUID().slice(0, 8)}`
  const topics = prefixed(run)
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: run })
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  const admin = await backend.admin()
  await admin.createTopics(
    Object.values(topics).map((name) => ({ name, partitions: name === topics.products ? 1 : 2, config: {} })),
  )
  await admin.close()
  const serdes = await createOrdersSerdes(registry, topics, { autoRegister: true })
  const producer = await backend.producer({ clientId: `${run}-producer` })
  const now = Date.now()
  const send = async <T>(topic: string, serde: Serde<T>, key: string, value: T) =>
    producer.send([
      {
        topic,
        key: Buffer.from(key),
        value: await serde.serialize(topic, value, {}),
        timestamp: now,
        headers: {},
      },
    ])
  await send(topics.products, serdes.product, SEED, {
    productId: SEED,
    name: 'Wheat seed',
    category: 'SEED',
    unit: 'bag',
    unitPriceMinor: 3450,
    currency: EUR,
    lowStockThreshold: null,
    active: true,
  })
  const orders = await startOrders({
    backend,
    serdes,
    topics,
    applicationId: run,
    processingGuarantee: 'exactly_once',
    streams: { logger: pino({ level: 'warn' }), commitIntervalMs: 200 },
  })
  try {
    const ids: OrderId[] = []
    for (const key of ['confirmed', 'out-of-stock', 'invalid']) {
      const orderId = nameUuid(`order:farm-1:${run}:${key}`) as OrderId
      ids.push(orderId)
      await send(topics.orderEvents, serdes.orderEvent, orderId, {
        eventId: randomUUID(),
        orderId,
        occurredAt: now,
        payload: {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: 'farm-1' as CustomerId,
            items: [
              {
                productId: SEED,
                warehouseId: 'wh-north' as WarehouseId,
                quantity: key === 'invalid' ? 0 : 2,
                unitPriceMinor: 3450,
              },
            ],
            currency: EUR,
            deliveryLocation: { latitude: 52, longitude: 9, address: null },
            idempotencyKey: key,
          },
        },
      })
    }
    const [confirmed, outOfStock, invalid] = ids as [OrderId, OrderId, OrderId]
    const answer = (orderId: OrderId, check: OrderValidation['check'], passed: boolean) =>
      send(topics.orderValidations, serdes.orderValidation, orderId, {
        validationId: nameUuid(`validation:${orderId}:${check}`),
        orderId,
        check,
        passed,
        reason: passed ? null : check === 'INVENTORY' ? 'OUT_OF_STOCK' : 'PAYMENT_FAILED',
        note: null,
        occurredAt: now,
      })
    for (const check of ['INVENTORY', 'FRAUD', 'PAYMENT'] as const) await answer(confirmed, check, true)
    await answer(outOfStock, 'PAYMENT', false)
    await answer(outOfStock, 'INVENTORY', false)
    const corrupt = Buffer.from('not an order')
    await producer.send([
      { topic: topics.orderEvents, key: Buffer.from(confirmed), value: corrupt, timestamp: now, headers: {} },
    ])

    const deadline = Date.now() + 60_000
    let statuses = new Map<string, OrderStatus>()
    let deadLetters: DeadLetter[] = []
    while (Date.now() < deadline) {
      statuses = new Map(
        (await decoded(backend, serdes.orderStatus, topics.orderStatus)).map((s) => [s.orderId, s]),
      )
      deadLetters = await decoded(backend, serdes.deadLetter, topics.deadLetters)
      const done = ids.every((id) => ['CONFIRMED', 'CANCELLED'].includes(statuses.get(id)?.state ?? ''))
      if (done && deadLetters.length > 0) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    t.is(statuses.get(confirmed)?.state, 'CONFIRMED')
    t.is(statuses.get(outOfStock)?.cancellationReason, 'OUT_OF_STOCK')
    t.is(statuses.get(invalid)?.cancellationReason, 'INVALID_ORDER')
    const events = (await readTopic(backend, topics.orderEvents)).filter((r) => r.value?.[0] === 0)
    const decisions: OrderEvent[] = []
    for (const r of events) {
      const event = await serdes.orderEvent.deserialize(topics.orderEvents, r.value as Buffer, r.headers)
      if (!('dev.oxagry.orders.OrderPlaced' in event.payload)) decisions.push(event)
    }
    t.is(decisions.length, 3, 'one decision per order')
    t.is(deadLetters.length, 1)
    t.deepEqual(deadLetters[0]?.value, corrupt)
    t.is(deadLetters[0]?.stage, 'DESERIALIZATION')
    const commands = await readTopic(backend, topics.stockCommands)
    t.true(commands.length >= 2, 'reservations asked and released')
  } finally {
    await orders.close()
    await producer.close()
    await backend.close()
  }
})
