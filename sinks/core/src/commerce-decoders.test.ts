import test from 'ava'
import { Contracts, InMemorySchemaRegistry, createAvroSerde } from '@oxagry/avro'
import type { BrokerRecord } from '@oxagry/kafka'
import {
  decodeOrderEvents,
  decodeOrderStatus,
  decodePaymentEvents,
  decodeStockLevels,
} from './commerce-decoders.ts'
import { recordPosition } from './commerce-writes.ts'
import { SINK_ERROR_CODES } from './errors.ts'
import {
  orderPlacedEvent,
  orderStatusRecord,
  paymentEvent,
  sampleOrderId,
  stockLevelRecord,
} from './testing/index.ts'

const registry = new InMemorySchemaRegistry()
const serde = <T>(contract: Parameters<typeof createAvroSerde<T>>[0]['contract'], topic: string) =>
  createAvroSerde<T>({ registry, contract, autoRegister: true, topics: [topic] })

const record = (topic: string, key: string | null, value: Buffer | null, offset = '7'): BrokerRecord => ({
  topic,
  partition: 3,
  offset,
  key: key === null ? null : Buffer.from(key),
  value,
  timestamp: 1,
  headers: {},
})

test('the record position orders a partition and keeps partitions apart', (t) => {
  t.is(recordPosition(0, '5'), 5)
  t.is(recordPosition(3, '7'), 3 * 2 ** 40 + 7)
  t.true(recordPosition(1, '0') > recordPosition(0, String(2 ** 39)))
})

test('OrderPlaced becomes a placement; the other order events are skipped', async (t) => {
  const s = await serde(Contracts.OrderEvent, 'orders.order-events.v1')
  const decode = decodeOrderEvents(s)
  const placed = orderPlacedEvent('o', 1000)
  const bytes = await s.serialize('orders.order-events.v1', placed, {})
  t.like(await decode(record('orders.order-events.v1', placed.orderId, bytes)), {
    kind: 'order-placed',
    orderId: sampleOrderId('o'),
    customerId: 'C-1',
    currency: 'EUR',
    placedAt: 1000,
    position: recordPosition(3, '7'),
  })
  const confirmed = {
    ...placed,
    payload: { 'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null } },
  }
  const confirmedBytes = await s.serialize('orders.order-events.v1', confirmed, {})
  t.is(await decode(record('orders.order-events.v1', placed.orderId, confirmedBytes)), null)
  t.is(await decode(record('orders.order-events.v1', placed.orderId, null)), null)
})

test('a status decodes with its position; a status tombstone deletes by key', async (t) => {
  const s = await serde(Contracts.OrderStatus, 'orders.order-status.v1')
  const decode = decodeOrderStatus(s)
  const status = orderStatusRecord('o', 4, { state: 'CONFIRMED' })
  const bytes = await s.serialize('orders.order-status.v1', status, {})
  // Avro decodes into its record class: compared field by field.
  t.like(await decode(record('orders.order-status.v1', status.orderId, bytes)), {
    kind: 'order-status',
    status,
    position: recordPosition(3, '7'),
  })
  t.deepEqual(await decode(record('orders.order-status.v1', status.orderId, null, '9')), {
    kind: 'order-deleted',
    orderId: status.orderId,
    position: recordPosition(3, '9'),
  })
  const error = await t.throwsAsync(async () => decode(record('orders.order-status.v1', null, null)))
  t.is((error as { code?: string }).code, SINK_ERROR_CODES.DECODE)
})

test('every payment event branch becomes a step', async (t) => {
  const s = await serde(Contracts.PaymentEvent, 'payments.payment-events.v1')
  const decode = decodePaymentEvents(s)
  const expected = {
    REQUESTED: { amountMinor: 3490, method: 'CARD', refundMinor: 0, failureReason: null },
    AUTHORISED: { amountMinor: 3490, method: null, refundMinor: 0 },
    CAPTURED: { amountMinor: 3490, refundMinor: 0 },
    FAILED: { amountMinor: null, failureReason: 'DECLINED', refundMinor: 0 },
    REFUNDED: { amountMinor: null, refundMinor: 3490 },
    VOIDED: { amountMinor: 3490, refundMinor: 0 },
  } as const
  for (const [state, fields] of Object.entries(expected)) {
    const event = paymentEvent('p', 'o', state as keyof typeof expected, 5000)
    const bytes = await s.serialize('payments.payment-events.v1', event, {})
    const write = await decode(record('payments.payment-events.v1', event.orderId, bytes))
    t.like(write, { kind: 'payment-step', step: { state, occurredAt: 5000, ...fields } }, state)
  }
})

test('a stock level decodes; its tombstone names product and warehouse from the key', async (t) => {
  const s = await serde(Contracts.StockLevel, 'inventory.stock-levels.v1')
  const decode = decodeStockLevels(s)
  const level = stockLevelRecord('SEED-WHEAT-25KG', 'wh-north', 3)
  const bytes = await s.serialize('inventory.stock-levels.v1', level, {})
  t.like(await decode(record('inventory.stock-levels.v1', 'SEED-WHEAT-25KG|wh-north', bytes)), {
    kind: 'stock-level',
    level,
    position: recordPosition(3, '7'),
  })
  t.deepEqual(await decode(record('inventory.stock-levels.v1', 'SEED-WHEAT-25KG|wh-north', null)), {
    kind: 'stock-deleted',
    productId: 'SEED-WHEAT-25KG',
    warehouseId: 'wh-north',
    position: recordPosition(3, '7'),
  })
  for (const key of ['no-bar', '|wh', 'P|', null]) {
    const error = await t.throwsAsync(async () => decode(record('inventory.stock-levels.v1', key, null)))
    t.is((error as { code?: string }).code, SINK_ERROR_CODES.DECODE, String(key))
  }
})
