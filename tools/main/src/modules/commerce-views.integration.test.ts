import { randomUUID } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { pino } from 'pino'
import {
  ConfluentSchemaRegistry,
  Contracts,
  createAvroSerde,
  type OrderEvent,
  type OrderStatus,
  type PaymentEvent,
  type StockEvent,
  type StockLevel,
} from '@oxagry/avro'
import { KafkaJsBackend, readTopic, tpKey, type ProducedRecord } from '@oxagry/kafka'
import type { SinkHandle } from '@oxagry/sink'
import {
  orderPlacedEvent,
  orderStatusRecord,
  paymentEvent,
  reservationEvent,
  sampleOrderId,
  stockLevelRecord,
} from '@oxagry/sink/testing'
import { MongoReservationReadModel, MongoStockReadModel } from '@oxagry/sink-mongodb'
import { PostgresCommerceReadModel, pgUrlExecutor } from '@oxagry/sink-postgres'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { startCommerceViewSinks, type CommerceViewTopics } from './commerce-views.ts'

// Real Avro records on prefixed topics of the stack's Kafka, through the four sinks, into the stack's
// PostgreSQL and MongoDB: every order, payment, stock level and reservation found once, and the same after every
// record was produced again and after a new consumer group replayed both copies from the start.
const test = await integrationTest('kafka', 'schemaRegistry', 'postgres', 'mongodb')

const ORDERS = 30
const T0 = Date.UTC(2026, 2, 1, 8)
const id = randomUUID().replaceAll('-', '').slice(0, 10)
const topics: CommerceViewTopics = {
  orderEvents: `test.views-${id}.orders.order-events.v1`,
  orderStatus: `test.views-${id}.orders.order-status.v1`,
  paymentEvents: `test.views-${id}.payments.payment-events.v1`,
  stockLevels: `test.views-${id}.inventory.stock-levels.v1`,
  stockEvents: `test.views-${id}.inventory.stock-events.v1`,
  ordersDeadLetters: `test.views-${id}.orders.dead-letters.v1`,
  paymentsDeadLetters: `test.views-${id}.payments.dead-letters.v1`,
  inventoryDeadLetters: `test.views-${id}.inventory.dead-letters.v1`,
}
const tables = { orders: `it_orders_${id}`, payments: `it_payments_${id}` }
const mongoDb = `oxagry_views_it_${id}`

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const backend = new KafkaJsBackend({ brokers: kafkaBrokers() })
const registry = new ConfluentSchemaRegistry({
  url: serviceUrl('schemaRegistry'),
  clientId: `views-it-${id}`,
})
const executor = pgUrlExecutor(serviceUrl('postgres'))
const orders = new PostgresCommerceReadModel({ executor, tables })
const mongo = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
const stock = new MongoStockReadModel({ db: mongo.db(mongoDb) })
const reservations = new MongoReservationReadModel({ db: mongo.db(mongoDb) })
const logger = pino({ level: 'warn' })

test.after(async () => {
  await executor
    .exec(
      `DROP TABLE IF EXISTS ${tables.orders}; DROP TABLE IF EXISTS ${tables.payments};
    DELETE FROM schema_migrations WHERE scope = 'commerce:${tables.orders}'`,
    )
    .catch(() => {})
  await executor.close()
  await mongo
    .db(mongoDb)
    .dropDatabase()
    .catch(() => {})
  await mongo.close()
  // The topics stay (the backend deletes none); their names are the run's own.
  await backend.close()
})

/** The records of the test, and what the views must hold after them (computed here, independently). */
function scenario() {
  const events: OrderEvent[] = []
  const statuses: (OrderStatus | { orderId: string; tombstone: true })[] = []
  const payments: PaymentEvent[] = []
  const expectedOrders = new Map<string, { state: string; version: number }>()
  const expectedRefunds = new Map<string, number>()
  const stockEvents: StockEvent[] = []
  const expectedReservations = new Map<string, string>()
  const reservedProduct = `P-${id}-r`
  for (let i = 0; i < ORDERS; i++) {
    const name = `${id}-${i}`
    const customer = i % 2 === 0 ? 'C-A' : 'C-B'
    events.push(orderPlacedEvent(name, T0 + i * 1000, { customerId: customer }))
    const at = { placedAt: T0 + i * 1000, customerId: customer as OrderStatus['customerId'] }
    const cancelled = i % 3 === 0
    const v1 = orderStatusRecord(name, 1, at)
    const v2 = orderStatusRecord(
      name,
      2,
      cancelled
        ? { ...at, state: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' }
        : { ...at, state: 'CONFIRMED', paymentState: 'CAPTURED' },
    )
    const v3 = orderStatusRecord(name, 3, { ...at, state: 'COMPLETED', paymentState: 'CAPTURED' })
    const last = i % 3 === 1 ? v3 : v2
    // Out of order on the partition for some: the late lower version must not win.
    if (i % 5 === 0 && last === v3) statuses.push(v1, v3, v2)
    else statuses.push(v1, v2, ...(last === v3 ? [v3] : []))
    if (i >= ORDERS - 2) statuses.push({ orderId: sampleOrderId(name), tombstone: true })
    else expectedOrders.set(sampleOrderId(name), { state: last.state, version: last.version })
    // Each order reserves; a cancelled one releases, a completed one ships, the rest hold.
    const at0 = T0 + i * 1000 + 50
    stockEvents.push(reservationEvent(name, reservedProduct, 'wh-north', 'RESERVED', at0))
    const end = cancelled ? 'ORDER_CANCELLED' : i % 3 === 1 ? 'FULFILLED' : undefined
    if (end !== undefined)
      stockEvents.push(reservationEvent(name, reservedProduct, 'wh-north', end, at0 + 500))
    expectedReservations.set(
      sampleOrderId(name),
      end === undefined ? 'RESERVED' : end === 'FULFILLED' ? 'FULFILLED' : 'RELEASED',
    )
    if (!cancelled) {
      const pay = `${name}-pay`
      payments.push(
        paymentEvent(pay, name, 'REQUESTED', T0 + i * 1000 + 100),
        paymentEvent(pay, name, 'AUTHORISED', T0 + i * 1000 + 200),
        paymentEvent(pay, name, 'CAPTURED', T0 + i * 1000 + 300),
      )
      let refunded = 0
      if (i % 3 === 1) {
        payments.push(paymentEvent(pay, name, 'REFUNDED', T0 + i * 1000 + 400, 100))
        payments.push(paymentEvent(pay, name, 'REFUNDED', T0 + i * 1000 + 500, 250))
        refunded = 350
      }
      expectedRefunds.set(pay, refunded)
    }
  }
  const levels: (StockLevel | { key: string; tombstone: true })[] = []
  const expectedStock = new Map<string, number>()
  for (let k = 0; k < 12; k++) {
    const product = `P-${id}-${k}`
    const warehouse = k % 2 === 0 ? 'wh-north' : 'wh-south'
    const v = [1, 2, 3].map((version) =>
      stockLevelRecord(product, warehouse, version, { onHand: 100 * version }),
    )
    levels.push(...(k % 4 === 0 ? [v[0]!, v[2]!, v[1]!] : v))
    if (k === 11) levels.push({ key: `${product}|${warehouse}`, tombstone: true })
    else expectedStock.set(`${product}|${warehouse}`, 300)
  }
  return {
    events,
    statuses,
    payments,
    levels,
    stockEvents,
    reservedProduct,
    expectedOrders,
    expectedRefunds,
    expectedStock,
    expectedReservations,
  }
}

const data = scenario()

async function produceAll(options: { garbage: boolean }): Promise<void> {
  const serde = async <T>(contract: Parameters<typeof createAvroSerde<T>>[0]['contract'], topic: string) =>
    createAvroSerde<T>({ registry, contract, autoRegister: true, topics: [topic] })
  const [events, statuses, payments, levels, stockEvents] = await Promise.all([
    serde(Contracts.OrderEvent, topics.orderEvents),
    serde(Contracts.OrderStatus, topics.orderStatus),
    serde(Contracts.PaymentEvent, topics.paymentEvents),
    serde(Contracts.StockLevel, topics.stockLevels),
    serde(Contracts.StockEvent, topics.stockEvents),
  ])
  const record = (topic: string, key: string, value: Buffer | null): ProducedRecord => ({
    topic,
    key: Buffer.from(key),
    value,
    timestamp: T0,
    headers: {},
  })
  const out: ProducedRecord[] = []
  for (const s of data.statuses)
    out.push(
      'tombstone' in s
        ? record(topics.orderStatus, s.orderId, null)
        : record(topics.orderStatus, s.orderId, await statuses.serialize(topics.orderStatus, s, {})),
    )
  if (options.garbage) out.push(record(topics.orderStatus, 'garbage', Buffer.from('not avro at all')))
  for (const e of data.events)
    out.push(record(topics.orderEvents, e.orderId, await events.serialize(topics.orderEvents, e, {})))
  for (const p of data.payments)
    out.push(record(topics.paymentEvents, p.orderId, await payments.serialize(topics.paymentEvents, p, {})))
  for (const l of data.levels)
    out.push(
      'tombstone' in l
        ? record(topics.stockLevels, l.key, null)
        : record(
            topics.stockLevels,
            `${l.productId}|${l.warehouseId}`,
            await levels.serialize(topics.stockLevels, l, {}),
          ),
    )
  for (const e of data.stockEvents)
    out.push(
      record(
        topics.stockEvents,
        `${e.productId}|${e.warehouseId}`,
        await stockEvents.serialize(topics.stockEvents, e, {}),
      ),
    )
  const producer = await backend.producer({ clientId: `views-it-${id}` })
  try {
    await producer.send(out)
  } finally {
    await producer.close()
  }
}

async function caughtUp(groupId: string, topicList: readonly string[]): Promise<boolean> {
  const admin = await backend.admin()
  try {
    for (const topic of topicList) {
      const ends = await admin.endOffsets(topic)
      const committed = await backend
        .consumer({ groupId, clientId: 'probe', readCommitted: true })
        .committed([...ends.keys()].map((partition) => ({ topic, partition })))
      if (![...ends].every(([p, end]) => end === '0' || committed.get(tpKey(topic, p)) === end)) return false
    }
    return true
  } finally {
    await admin.close()
  }
}

async function runUntilCaughtUp(prefix: string): Promise<void> {
  const group = (name: string) => `views-it-${id}-${prefix}-${name}`
  const sinks: Record<string, SinkHandle> = await startCommerceViewSinks({
    registry,
    topics,
    orders,
    stock,
    reservations,
    group,
    sink: { backend, logger, batch: { maxRecords: 40, maxWaitMs: 100 } },
  })
  try {
    await eventually(
      async () =>
        (await caughtUp(group('sink-postgres-orders'), [topics.orderEvents, topics.orderStatus])) &&
        (await caughtUp(group('sink-postgres-payments'), [topics.paymentEvents])) &&
        (await caughtUp(group('sink-stock'), [topics.stockLevels])) &&
        (await caughtUp(group('sink-stock-reservations'), [topics.stockEvents]))
          ? true
          : undefined,
      {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: `the ${prefix} sinks caught up`,
        state: () => Object.fromEntries(Object.entries(sinks).map(([n, s]) => [n, s.health()])),
      },
    )
  } finally {
    await Promise.all(Object.values(sinks).map((s) => s.stop()))
  }
}

/** Everything the views hold, as the commerce API reads it. */
async function snapshot() {
  const list = []
  let cursor: string | undefined
  do {
    const page = await orders.listOrders({ limit: 7, ...(cursor === undefined ? {} : { cursor }) })
    list.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  // Through both reads: by payment id (every payment, a deleted order's too) and by order.
  const paymentIds = [...data.expectedRefunds.keys()].map(
    (name) => paymentEvent(name, 'x', 'REQUESTED', 0).paymentId,
  )
  const payments = await Promise.all(paymentIds.map((paymentId) => orders.getPayment(paymentId)))
  const ofOrders = (await Promise.all(list.map((o) => orders.paymentsOfOrder(o.orderId)))).flat()
  const products = [
    ...new Set(data.levels.map((l) => ('tombstone' in l ? l.key.split('|')[0]! : l.productId))),
  ]
  const levels = (await Promise.all(products.map((productId) => stock.stock({ productId })))).flat()
  // By product, in pages; a re-sent event has a new position, so the version is left out.
  const held = []
  let after: string | undefined
  do {
    const page = await reservations.reservations({
      productId: data.reservedProduct,
      limit: 7,
      ...(after === undefined ? {} : { cursor: after }),
    })
    held.push(...page.items.map(({ version: _version, ...rest }) => rest))
    after = page.nextCursor
  } while (after !== undefined)
  return { list, payments, ofOrders, levels, held }
}

test.serial(
  'orders, payments, stock and reservations land once, and a replay of every record changes nothing',
  async (t) => {
    t.timeout(300_000)
    const admin = await backend.admin()
    await admin.createTopics(
      Object.values(topics).map((name) => ({
        name,
        partitions: name.includes('dead-letters') ? 1 : 3,
        config: {},
      })),
    )
    await admin.close()
    await produceAll({ garbage: true })
    await runUntilCaughtUp('first')

    const first = await snapshot()
    t.is(first.list.length, data.expectedOrders.size)
    for (const order of first.list) {
      const expected = data.expectedOrders.get(order.orderId)
      t.like(order, { state: expected?.state, version: expected?.version }, order.orderId)
      t.is(order.lines.length, 2, `lines of ${order.orderId}`)
      t.is(order.totalMinor, 3490)
    }
    t.is(new Set(first.list.map((o) => o.orderId)).size, first.list.length)
    t.true(first.payments.every((p) => p !== undefined))
    // Every listed order not cancelled has its one payment; the two deleted orders' are not listed.
    t.is(first.ofOrders.length, data.expectedRefunds.size - 2)
    for (const p of first.payments) t.like(p, { amountMinor: 3490, method: 'CARD', currency: 'EUR' })
    t.deepEqual(
      Object.fromEntries(first.payments.map((p) => [p?.paymentId, p?.refundedMinor])),
      Object.fromEntries(
        [...data.expectedRefunds].map(([name, refunded]) => [
          paymentEvent(name, 'x', 'REQUESTED', 0).paymentId,
          refunded,
        ]),
      ),
    )
    t.deepEqual(
      Object.fromEntries(first.levels.map((l) => [`${l.productId}|${l.warehouseId}`, l.onHand])),
      Object.fromEntries(data.expectedStock),
    )
    t.deepEqual(
      Object.fromEntries(first.held.map((r) => [r.orderId, r.state])),
      Object.fromEntries(data.expectedReservations),
    )
    t.true(
      first.held.every((r) => r.reservedAt !== null && (r.state === 'RESERVED') === (r.releasedAt === null)),
    )
    // The undecodable record went to the orders' dead-letter topic, once.
    const dead = await readTopic(backend, topics.ordersDeadLetters)
    t.is(dead.length, 1)
    t.is(dead[0]?.headers['x-error-stage']?.toString(), 'DESERIALIZATION')

    // Every record again (a producer's re-send: new offsets), read by the same groups...
    await produceAll({ garbage: false })
    await runUntilCaughtUp('first')
    t.deepEqual(await snapshot(), first)
    // ... and both copies from the start by new groups (a replay after a reset).
    await runUntilCaughtUp('replay')
    t.deepEqual(await snapshot(), first)
    t.is(
      (await readTopic(backend, topics.ordersDeadLetters)).length,
      2,
      'the replay dead-letters the bad record again',
    )
  },
)
