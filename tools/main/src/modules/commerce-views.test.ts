import test from 'ava'
import { PGlite } from '@electric-sql/pglite'
import { Contracts, InMemorySchemaRegistry, createAvroSerde } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker, type KafkaBackend, type ProducedRecord } from '@oxagry/kafka'
import {
  orderPlacedEvent,
  orderStatusRecord,
  paymentEvent,
  reservationEvent,
  sampleOrderId,
  stockLevelRecord,
} from '@oxagry/sink/testing'
import {
  PostgresCommerceReadModel,
  PostgresReservationReadModel,
  PostgresStockReadModel,
  pgliteExecutor,
} from '@oxagry/sink-postgres'
import { eventually } from '@oxagry/testkit'
import { pino } from 'pino'
import { startCommerceViewSinks, type CommerceViewTopics } from './commerce-views.ts'

const T0 = Date.UTC(2026, 3, 1)

// The embedded defaults' path: the in-process broker and registry, PGlite for every view.
test('embedded: the views fill from the commerce topics, stock in PostgreSQL without MongoDB', async (t) => {
  const backend: KafkaBackend = new MemoryBackend(new MemoryBroker())
  const registry = new InMemorySchemaRegistry()
  const topics: CommerceViewTopics = {
    orderEvents: 'orders.order-events.v1',
    orderStatus: 'orders.order-status.v1',
    paymentEvents: 'payments.payment-events.v1',
    stockLevels: 'inventory.stock-levels.v1',
    stockEvents: 'inventory.stock-events.v1',
    ordersDeadLetters: 'orders.dead-letters.v1',
    paymentsDeadLetters: 'payments.dead-letters.v1',
    inventoryDeadLetters: 'inventory.dead-letters.v1',
  }
  const admin = await backend.admin()
  await admin.createTopics(Object.values(topics).map((name) => ({ name, partitions: 2, config: {} })))
  await admin.close()
  const serde = <T>(contract: Parameters<typeof createAvroSerde<T>>[0]['contract'], topic: string) =>
    createAvroSerde<T>({ registry, contract, autoRegister: true, topics: [topic] })
  const [events, statuses, payments, levels, stockEvents] = await Promise.all([
    serde(Contracts.OrderEvent, topics.orderEvents),
    serde(Contracts.OrderStatus, topics.orderStatus),
    serde(Contracts.PaymentEvent, topics.paymentEvents),
    serde(Contracts.StockLevel, topics.stockLevels),
    serde(Contracts.StockEvent, topics.stockEvents),
  ])
  const record = async (
    topic: string,
    key: string,
    value: Promise<Buffer> | Buffer | null,
  ): Promise<ProducedRecord> => ({
    topic,
    key: Buffer.from(key),
    value: await value,
    timestamp: T0,
    headers: {},
  })
  const placed = orderPlacedEvent('e1', T0)
  const confirmed = orderStatusRecord('e1', 2, { state: 'CONFIRMED', placedAt: T0 })
  const pay = ['REQUESTED', 'CAPTURED', 'REFUNDED'] as const
  const level = stockLevelRecord('SEED-WHEAT-25KG', 'wh-north', 4, {
    onHand: 8,
    reserved: 6,
    lowStockThreshold: 2,
  })
  const producer = await backend.producer({ clientId: 'embedded-views' })
  await producer.send([
    await record(
      topics.orderStatus,
      confirmed.orderId,
      statuses.serialize(topics.orderStatus, confirmed, {}),
    ),
    await record(topics.orderEvents, placed.orderId, events.serialize(topics.orderEvents, placed, {})),
    ...(await Promise.all(
      pay.map((step, i) => {
        const event = paymentEvent('e1-pay', 'e1', step, T0 + i, step === 'REFUNDED' ? 490 : 3490)
        return record(
          topics.paymentEvents,
          event.orderId,
          payments.serialize(topics.paymentEvents, event, {}),
        )
      }),
    )),
    await record(
      topics.stockLevels,
      'SEED-WHEAT-25KG|wh-north',
      levels.serialize(topics.stockLevels, level, {}),
    ),
    ...(await Promise.all(
      (['RESERVED', 'FULFILLED'] as const).map((kind, i) =>
        record(
          topics.stockEvents,
          'SEED-WHEAT-25KG|wh-north',
          stockEvents.serialize(
            topics.stockEvents,
            reservationEvent('e1', 'SEED-WHEAT-25KG', 'wh-north', kind, T0 + i * 1000, 6),
            {},
          ),
        ),
      ),
    )),
  ])
  await producer.close()

  const db = new PGlite()
  const orders = new PostgresCommerceReadModel({ executor: pgliteExecutor(db) })
  const stock = new PostgresStockReadModel({ executor: pgliteExecutor(db) })
  const reservations = new PostgresReservationReadModel({ executor: pgliteExecutor(db) })
  const sinks = await startCommerceViewSinks({
    registry,
    topics,
    orders,
    stock,
    reservations,
    group: (name) => `embedded-${name}`,
    sink: { backend, logger: pino({ level: 'warn' }), batch: { maxRecords: 100, maxWaitMs: 50 } },
  })
  t.teardown(async () => {
    await Promise.all(Object.values(sinks).map((s) => s.stop()))
    await db.close()
  })
  t.deepEqual(Object.keys(sinks).sort(), [
    'postgres-orders',
    'postgres-payments',
    'stock',
    'stock-reservations',
  ])

  const order = await eventually(
    async () => {
      const o = await orders.getOrder(sampleOrderId('e1'))
      return o !== undefined && o.lines.length > 0 ? o : undefined
    },
    { timeoutMs: 30_000, what: 'the order with its lines' },
  )
  t.like(order, { state: 'CONFIRMED', version: 2, totalMinor: 3490, placedAt: T0 })
  const payment = await eventually(
    async () => {
      const [p] = await orders.paymentsOfOrder(sampleOrderId('e1'))
      return p?.state === 'REFUNDED' ? p : undefined
    },
    { timeoutMs: 30_000, what: 'the refunded payment' },
  )
  t.like(payment, { amountMinor: 3490, refundedMinor: 490, method: 'CARD' })
  const low = await eventually(
    async () => {
      const rows = await stock.lowStock()
      return rows.length > 0 ? rows : undefined
    },
    { timeoutMs: 30_000, what: 'the low stock row' },
  )
  t.deepEqual(
    low.map((s) => [s.productId, s.warehouseId, s.available]),
    [['SEED-WHEAT-25KG', 'wh-north', 2]],
  )
  const shipped = await eventually(
    async () => {
      const { items } = await reservations.reservations({ orderId: sampleOrderId('e1') })
      return items[0]?.state === 'FULFILLED' ? items : undefined
    },
    { timeoutMs: 30_000, what: 'the fulfilled reservation' },
  )
  t.like(shipped[0], { quantity: 6, productId: 'SEED-WHEAT-25KG', reservedAt: T0, releasedAt: T0 + 1000 })
})
