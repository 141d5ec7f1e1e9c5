import type { AddressInfo } from 'node:net'
import test from 'ava'
import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import {
  Contracts,
  createAvroSerde,
  currencyCode,
  customerId,
  InMemorySchemaRegistry,
  nameUuid,
  orderId,
} from '@oxagry/avro'
import { commerceTestAuth, InMemoryCommerceViews } from '@oxagry/commerce-api/testing'
import { buildApp, LatestPositions } from '@oxagry/fleet-api'
import { MemoryBackend, readTopic } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { mountCommerceApi } from './commerce-api.ts'
import { followTopic } from './live-view.ts'

test("the platform's commerce API writes to the platform's topics and its feed follows the status topic", async (t) => {
  const backend = new MemoryBackend()
  const topic = (spec: { name: string }) => `t1.${spec.name}`
  for (const spec of [TOPICS.orderEvents, TOPICS.orderCommands, TOPICS.stockCommands, TOPICS.orderStatus])
    backend.broker.createTopic({ name: topic(spec), partitions: 2, config: {} })
  const registry = new InMemorySchemaRegistry()
  const auth = await commerceTestAuth()
  // The platform's one server is the fleet API's, whose access table asks fleet:read for /api/v1/.
  const { app } = await buildApp({
    machines: { get: async () => undefined, list: async () => ({ machines: [] }) },
    history: { track: async () => [], trips: async () => [] },
    geofences: { list: async () => [] },
    feed: new LatestPositions(),
    auth: auth.settings,
  })
  const views = new InMemoryCommerceViews()
  const stop = await mountCommerceApi(
    app,
    {
      backend,
      registry,
      topic,
      metrics: new Registry(),
      follow: (name, onValue) =>
        followTopic({
          backend,
          topic: name,
          readCommitted: false,
          onValue,
          logger: pino({ level: 'silent' }),
        }),
    },
    { kind: 'commerce-views', orders: views, stock: views, reservations: views },
  )
  t.teardown(async () => {
    await app.close()
    await stop()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const token = await auth.token([COMMERCE_SCOPES.read, COMMERCE_SCOPES.write])
  const placed = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': 'p-1',
    },
    payload: {
      customerId: 'farm-0001',
      currency: 'EUR',
      items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 1, unitPriceMinor: 3450 }],
      deliveryLocation: { latitude: 52, longitude: 9 },
    },
  })
  t.is(placed.statusCode, 202, placed.body)
  t.is((await readTopic(backend, topic(TOPICS.orderEvents))).length, 1)

  const { port } = app.server.address() as AddressInfo
  const { default: WebSocket } = await import('ws')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/orders`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const frames: { type: string; orders?: { orderId: string; state: string }[] }[] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  ws.send(JSON.stringify({ type: 'subscribe', customerId: 'farm-0001' }))
  const id = nameUuid('order:farm-0001:p-1')
  const serde = await createAvroSerde({ registry, contract: Contracts.OrderStatus, autoRegister: true })
  const statusTopic = topic(TOPICS.orderStatus)
  const until = async (condition: () => boolean) => {
    const deadline = Date.now() + 10_000
    while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  }
  await until(() => frames.some((f) => f.type === 'snapshot'))
  backend.broker.append([
    {
      topic: statusTopic,
      key: Buffer.from(id),
      timestamp: Date.now(),
      headers: {},
      value: await serde.serialize(
        statusTopic,
        {
          orderId: orderId(id),
          customerId: customerId('farm-0001'),
          state: 'CONFIRMED',
          paymentState: 'AUTHORISED',
          totalMinor: 3450,
          currency: currencyCode('EUR'),
          itemCount: 1,
          placedAt: 1_700_000_000_000,
          updatedAt: 1_700_000_001_000,
          cancellationReason: null,
          note: null,
          version: 3,
        },
        {},
      ),
    },
  ])
  await until(() => frames.some((f) => f.type === 'update'))
  const update = frames.find((f) => f.type === 'update')
  t.deepEqual(
    update?.orders?.map((o) => [o.orderId, o.state]),
    [[id, 'CONFIRMED']],
  )
  ws.close()
})
