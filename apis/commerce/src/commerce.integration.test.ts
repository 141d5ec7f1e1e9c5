import { randomUUID } from 'node:crypto'
import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import {
  Contracts,
  ConfluentSchemaRegistry,
  createAvroSerde,
  nameUuid,
  type OrderCommand,
  type OrderEvent,
  type StockCommand,
} from '@oxagry/avro'
import { KafkaJsBackend, readTopic, type KafkaBackend, type Serde } from '@oxagry/kafka'
import { integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { buildCommerceApp } from './app.ts'
import { OrderStatusBroadcast } from './live/feed.ts'
import { commerceTestAuth, InMemoryCommerceViews, orderView } from './testing.ts'
import { createCommerceWriter, type CommerceTopics } from './writer.ts'

const test = await integrationTest('kafka', 'schemaRegistry')

async function decoded<T>(backend: KafkaBackend, serde: Serde<T>, topic: string) {
  const out: { key: string | null; value: T }[] = []
  for (const r of await readTopic(backend, topic))
    if (r.value !== null)
      out.push({ key: r.key?.toString() ?? null, value: await serde.deserialize(topic, r.value, r.headers) })
  return out
}

test('on the broker and the registry: an order, a cancel and a stock adjustment are each one Avro record, acknowledged before the 202', async (t) => {
  const run = `it-commerce-${randomUUID().slice(0, 8)}`
  const topics: CommerceTopics = {
    orderEvents: `${run}.order-events`,
    orderCommands: `${run}.order-commands`,
    stockCommands: `${run}.stock-commands`,
    providerNotifications: `${run}.provider-notifications`,
  }
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: run })
  const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
  const admin = await backend.admin()
  await admin.createTopics(Object.values(topics).map((name) => ({ name, partitions: 2, config: {} })))
  await admin.close()
  const writer = await createCommerceWriter({ backend, registry, topics, autoRegister: true })
  const views = new InMemoryCommerceViews()
  const auth = await commerceTestAuth()
  const app = await buildCommerceApp({
    orders: views,
    stock: views,
    reservations: views,
    writer,
    feed: new OrderStatusBroadcast(),
    auth: auth.settings,
  })
  t.teardown(async () => {
    await app.close()
    await writer.close()
    await backend.close()
  })
  const headers = {
    authorization: `Bearer ${await auth.token([COMMERCE_SCOPES.read, COMMERCE_SCOPES.write, COMMERCE_SCOPES.operator])}`,
    'content-type': 'application/json',
  }
  const checkout = {
    customerId: 'farm-0001',
    currency: 'EUR',
    items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 2, unitPriceMinor: 3450 }],
    deliveryLocation: { latitude: 52.37, longitude: 9.73 },
  }
  const placed = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...headers, 'idempotency-key': run },
    payload: checkout,
  })
  t.is(placed.statusCode, 202, placed.body)
  const orderId = nameUuid(`order:farm-0001:${run}`)
  t.is(placed.json().orderId, orderId)
  views.putOrder(orderView(orderId, { state: 'CONFIRMED', version: 3 }))
  const cancelled = await app.inject({
    method: 'POST',
    url: `/api/v1/orders/${orderId}/cancel`,
    headers,
    payload: { note: 'integration' },
  })
  t.is(cancelled.statusCode, 202, cancelled.body)
  const adjusted = await app.inject({
    method: 'POST',
    url: '/api/v1/inventory/adjustments',
    headers: { ...headers, 'idempotency-key': `${run}-adj` },
    payload: { productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', reason: 'RECEIPT', delta: 10 },
  })
  t.is(adjusted.statusCode, 202, adjusted.body)

  // Acknowledged before the 202: the records are on the broker as soon as the answers are here.
  const read = {
    event: await createAvroSerde<OrderEvent>({ registry, contract: Contracts.OrderEvent }),
    command: await createAvroSerde<OrderCommand>({ registry, contract: Contracts.OrderCommand }),
    stock: await createAvroSerde<StockCommand>({ registry, contract: Contracts.StockCommand }),
  }
  const events = await decoded(backend, read.event, topics.orderEvents)
  t.deepEqual(
    events.map((e) => [e.key, e.value.orderId]),
    [[orderId, orderId]],
  )
  const commands = await decoded(backend, read.command, topics.orderCommands)
  t.deepEqual(
    commands.map((c) => [c.key, Object.keys(c.value.payload)[0]]),
    [[orderId, 'dev.oxagry.orders.CancelOrder']],
  )
  const stock = await decoded(backend, read.stock, topics.stockCommands)
  t.deepEqual(
    stock.map((s) => [s.key, s.value.commandId]),
    [['SEED-WHEAT-25KG|wh-north', nameUuid(`stock-adjustment:${run}-adj`)]],
  )
})
