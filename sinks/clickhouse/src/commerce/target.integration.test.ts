import { randomUUID } from 'node:crypto'
import type { OrderEvent, PaymentEvent, Product, StockEvent } from '@oxagry/avro'
import type { BrokerRecord, Deserializer } from '@oxagry/kafka'
import type { WriteContext } from '@oxagry/sink'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { createClickHouseClient } from '../client.ts'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from '../errors.ts'
import { applyMigrations } from '../migrations.ts'
import { COMMERCE_TABLES } from './rows.ts'
import { clickHouseCommerceTarget } from './target.ts'
import { decodeCommerceFacts, type CommerceFactWrite } from './writes.ts'

const test = await integrationTest('clickhouse')
// chdb holds one session per process: one client for the whole file.
const client = createClickHouseClient(serviceUrl('clickhouse'))
const T0 = Date.UTC(2026, 2, 1, 10, 15)

test.before(async () => {
  await applyMigrations(client)
})
test.after(async () => {
  await client.close()
})

async function rows(query: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json()
}

const context = (batchId: string): WriteContext => ({ batchId, attempt: 1, records: [] })

/** One order's whole life with unique ids: placed (two lines), confirmed, completed, part refunded. */
function orderLife(): { items: CommerceFactWrite[]; order: string; products: [string, string] } {
  const run = randomUUID()
  const order = `o-${run}`
  const products: [string, string] = [`SEED-${run}`, `FERT-${run}`]
  const orderEvent = (id: string, at: number, payload: OrderEvent['payload']): CommerceFactWrite => ({
    kind: 'order-event',
    event: { eventId: `${order}-${id}`, orderId: order, occurredAt: at, payload } as OrderEvent,
  })
  const payment = (id: string, at: number, payload: PaymentEvent['payload']): CommerceFactWrite => ({
    kind: 'payment-event',
    event: {
      eventId: `${order}-${id}`,
      paymentId: `p-${run}`,
      orderId: order,
      occurredAt: at,
      payload,
    } as PaymentEvent,
  })
  const stock = (id: string, payload: StockEvent['payload']): CommerceFactWrite => ({
    kind: 'stock-event',
    event: {
      eventId: `${order}-${id}`,
      productId: products[0],
      warehouseId: 'wh-north',
      occurredAt: T0,
      payload,
    } as StockEvent,
  })
  const product = (productId: string, category: Product['category'], version: number): CommerceFactWrite => ({
    kind: 'product',
    version,
    product: {
      productId,
      name: productId,
      category,
      unit: 'bag',
      unitPriceMinor: 100,
      currency: 'EUR',
      lowStockThreshold: 5,
      active: true,
    } as Product,
  })
  return {
    order,
    products,
    items: [
      product(products[0], 'OTHER', 1),
      product(products[0], 'SEED', 2),
      product(products[1], 'FERTILISER', 3),
      orderEvent('placed', T0, {
        'dev.oxagry.orders.OrderPlaced': {
          customerId: 'farm-1',
          items: [
            { productId: products[0], warehouseId: 'wh-north', quantity: 3, unitPriceMinor: 1000 },
            { productId: products[1], warehouseId: 'wh-south', quantity: 1, unitPriceMinor: 7000 },
          ],
          currency: 'EUR',
          deliveryLocation: { latitude: 52, longitude: 9, address: null },
          idempotencyKey: 'k1',
        },
      } as unknown as OrderEvent['payload']),
      orderEvent('confirmed', T0 + 1000, {
        'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null },
      }),
      orderEvent('completed', T0 + 2000, { 'dev.oxagry.orders.OrderCompleted': { deliveredAt: T0 + 2000 } }),
      {
        kind: 'order-status',
        status: {
          orderId: order,
          customerId: 'farm-1',
          state: 'COMPLETED',
          paymentState: 'CAPTURED',
          totalMinor: 10_000,
          currency: 'EUR',
          itemCount: 2,
          placedAt: T0,
          updatedAt: T0 + 2000,
          cancellationReason: null,
          note: null,
          version: 5,
        },
      } as CommerceFactWrite,
      payment('requested', T0, {
        'dev.oxagry.payments.PaymentRequested': { amountMinor: 10_000, currency: 'EUR', method: 'CARD' },
      } as PaymentEvent['payload']),
      payment('captured', T0 + 2000, {
        'dev.oxagry.payments.PaymentCaptured': { amountMinor: 10_000, currency: 'EUR' },
      } as PaymentEvent['payload']),
      payment('refunded', T0 + 3_600_000, {
        'dev.oxagry.payments.PaymentRefunded': { amountMinor: 5_000, currency: 'EUR', reason: 'late' },
      } as PaymentEvent['payload']),
      stock('receipt', {
        'dev.oxagry.inventory.StockAdjusted': { reason: 'RECEIPT', delta: 10, reference: null },
      }),
      stock('reserved', {
        'dev.oxagry.inventory.StockReserved': {
          reservationId: `r-${run}`,
          orderId: order,
          quantity: 3,
          expiresAt: null,
        },
      } as StockEvent['payload']),
      stock('low', { 'dev.oxagry.inventory.LowStock': { available: 0, threshold: 5 } }),
    ],
  }
}

test('facts are written once per event: a retried batch makes no part, a re-delivered one no figure', async (t) => {
  const target = clickHouseCommerceTarget(client, { migrate: false })
  const { items, order, products } = orderLife()
  const raw = async () =>
    Number(
      (
        await rows(
          `SELECT count() AS n FROM ${COMMERCE_TABLES.orderEvents} WHERE order_id = {order:String}`,
          { order },
        )
      )[0]?.n,
    )
  await target.write(items, context(`b1-${order}`))
  t.is(await raw(), 3)
  await target.write(items, context(`b1-${order}`)) // the same batch retried: deduplicated on insert
  t.is(await raw(), 3)
  await target.write(items.slice(3), context(`b2-${order}`)) // re-delivered, cut differently: new rows
  t.is(await raw(), 6)

  t.deepEqual(
    await rows(
      `SELECT product_id, category, warehouse_id, revenue_minor FROM revenue_hourly
       WHERE product_id IN {products:Array(String)} ORDER BY product_id, hour`,
      { products },
    ),
    [
      { product_id: products[1], category: 'FERTILISER', warehouse_id: 'wh-south', revenue_minor: 7000 },
      { product_id: products[1], category: 'FERTILISER', warehouse_id: 'wh-south', revenue_minor: -3500 },
      { product_id: products[0], category: 'SEED', warehouse_id: 'wh-north', revenue_minor: 3000 },
      { product_id: products[0], category: 'SEED', warehouse_id: 'wh-north', revenue_minor: -1500 },
    ],
  )
  const stages = await rows(
    `SELECT kind, count() AS n FROM ${COMMERCE_TABLES.orderEvents} FINAL WHERE order_id = {order:String} GROUP BY kind ORDER BY kind`,
    { order },
  )
  t.deepEqual(
    stages.map((r) => [r.kind, Number(r.n)]),
    [
      ['COMPLETED', 1],
      ['CONFIRMED', 1],
      ['PLACED', 1],
    ],
  )
  const [stockOut] = await rows(
    `SELECT sum(low_stock_alerts) AS alerts, sum(empty_alerts) AS empty FROM stock_outs_hourly WHERE product_id = {p:String}`,
    { p: products[0] },
  )
  t.deepEqual([Number(stockOut?.alerts), Number(stockOut?.empty)], [1, 1])
  const [movement] = await rows(
    `SELECT sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved FROM ${COMMERCE_TABLES.stockMovements} FINAL WHERE product_id = {p:String}`,
    { p: products[0] },
  )
  t.deepEqual([Number(movement?.on_hand), Number(movement?.reserved)], [10, 3])
})

test('the newest status and product win, whatever order they arrive in', async (t) => {
  const target = clickHouseCommerceTarget(client, { migrate: false })
  const { items, order, products } = orderLife()
  const status = items.find((i) => i.kind === 'order-status') as Extract<
    CommerceFactWrite,
    { kind: 'order-status' }
  >
  const older = {
    kind: 'order-status',
    status: { ...status.status, state: 'CONFIRMED', version: 3 },
  } as const
  await target.write([...items], context(`c1-${order}`))
  await target.write([older], context(`c2-${order}`))
  const [latest] = await rows(
    `SELECT state, version FROM ${COMMERCE_TABLES.orders} FINAL WHERE order_id = {order:String}`,
    { order },
  )
  t.deepEqual([latest?.state, Number(latest?.version)], ['COMPLETED', 5])
  const [product] = await rows(
    `SELECT category FROM ${COMMERCE_TABLES.products} FINAL WHERE product_id = {p:String}`,
    { p: products[0] },
  )
  t.is(product?.category, 'SEED')
})

test('the decoder dispatches on the topic, skips tombstones and refuses topics it was not given', async (t) => {
  const named = (name: string): Deserializer<never> => ({
    deserialize: async () => ({ from: name }) as never,
  })
  const topics = {
    orderEvents: 'oe',
    orderStatus: 'os',
    paymentEvents: 'pe',
    stockEvents: 'se',
    products: 'pr',
  }
  const decode = decodeCommerceFacts(topics, {
    orderEvents: named('oe'),
    orderStatus: named('os'),
    paymentEvents: named('pe'),
    stockEvents: named('se'),
    products: named('pr'),
  })
  const record = (topic: string, value: Buffer | null, offset = '7'): BrokerRecord => ({
    topic,
    partition: 2,
    offset,
    key: null,
    value,
    timestamp: 0,
    headers: {},
  })
  t.deepEqual(await decode(record('pe', Buffer.from([0]))), {
    kind: 'payment-event',
    event: { from: 'pe' },
  } as never)
  t.deepEqual(await decode(record('pr', Buffer.from([0]))), {
    kind: 'product',
    product: { from: 'pr' },
    version: 2 * 2 ** 40 + 7,
  } as never)
  t.is(await decode(record('os', null)), null)
  const unknown = await t.throwsAsync(async () => decode(record('elsewhere', Buffer.from([0]))), {
    instanceOf: ClickHouseError,
  })
  t.is(unknown?.code, CLICKHOUSE_ERROR_CODES.INVALID_OPTIONS)
  const twice = t.throws(() => decodeCommerceFacts({ ...topics, products: 'oe' }, {} as never), {
    instanceOf: ClickHouseError,
  })
  t.regex(twice?.message ?? '', /distinct/)
})
