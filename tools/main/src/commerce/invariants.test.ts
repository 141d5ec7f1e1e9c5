import test from 'ava'
import type { OrderEvent, OrderStatus, PaymentEvent, StockEvent, StockLevel } from '@oxagry/avro'
import { checkCommerceInvariants, type CommerceRecords } from './invariants.ts'

const A = '00000000-0000-4000-8000-00000000000a'
const B = '00000000-0000-4000-8000-00000000000b'
const T = 1_750_000_000_000

const event = (orderId: string, payload: object): OrderEvent =>
  ({ eventId: `${orderId}-${Object.keys(payload)[0]}`, orderId, occurredAt: T, payload }) as OrderEvent
const placed = (orderId: string, key: string) =>
  event(orderId, {
    'dev.oxagry.orders.OrderPlaced': {
      customerId: 'farm-1',
      items: [{ productId: 'SEED', warehouseId: 'wh', quantity: 2, unitPriceMinor: 500 }],
      currency: 'EUR',
      deliveryLocation: { latitude: 0, longitude: 0, address: null },
      idempotencyKey: key,
    },
  })
const status = (orderId: string, state: OrderStatus['state'], version: number): OrderStatus =>
  ({ orderId, state, version }) as OrderStatus
const pay = (orderId: string, kind: string, amountMinor = 1000): PaymentEvent =>
  ({ orderId, payload: { [`dev.oxagry.payments.${kind}`]: { amountMinor } } }) as unknown as PaymentEvent
const stock = (orderId: string, kind: string): StockEvent =>
  ({ payload: { [`dev.oxagry.inventory.${kind}`]: { orderId } } }) as unknown as StockEvent
const level = (reserved: number, onHand: number): StockLevel =>
  ({
    productId: 'SEED',
    warehouseId: 'wh',
    reserved,
    onHand,
    available: onHand - reserved,
    version: 1,
  }) as StockLevel

/** A completed order A and an order B cancelled with everything undone: every invariant holds. */
function healthy(): CommerceRecords {
  return {
    orderEvents: [
      placed(A, 'k1'),
      placed(B, 'k2'),
      event(A, { 'dev.oxagry.orders.OrderConfirmed': {} }),
      event(B, { 'dev.oxagry.orders.OrderCancelled': {} }),
      event(A, { 'dev.oxagry.orders.OrderCompleted': {} }),
    ],
    orderStatus: [status(A, 'PLACED', 1), status(A, 'COMPLETED', 4), status(B, 'CANCELLED', 2)],
    stockEvents: [stock(A, 'StockReserved'), stock(B, 'StockReserved'), stock(B, 'ReservationReleased')],
    stockLevels: [level(2, 10), level(0, 10)],
    paymentEvents: [
      pay(A, 'PaymentAuthorised'),
      pay(A, 'PaymentCaptured'),
      pay(B, 'PaymentAuthorised'),
      pay(B, 'PaymentVoided'),
    ],
    providerLedger: new Map([[A, { captured: 1000, refunded: 0 }]]),
  }
}

test('a healthy run breaks nothing', (t) => {
  const report = checkCommerceInvariants(healthy())
  t.deepEqual(report.violations, [])
  t.is(report.orders, 2)
  t.deepEqual(report.byState, { COMPLETED: 1, CANCELLED: 1 })
})

test('each broken invariant is named', (t) => {
  const base = healthy()
  const cases: [string, Partial<CommerceRecords>][] = [
    ['oversold', { stockLevels: [level(11, 10)] }],
    [
      'confirmed 2 times',
      { orderEvents: [...base.orderEvents, event(A, { 'dev.oxagry.orders.OrderConfirmed': {} })] },
    ],
    ['never decided', { orderEvents: [...base.orderEvents, placed('c', 'k3')] }],
    ['not terminal', { orderStatus: [...base.orderStatus, status(A, 'CONFIRMED', 9)] }],
    ['reservations', { stockEvents: base.stockEvents.slice(0, 2) }],
    ['neither voided nor refunded', { paymentEvents: base.paymentEvents.slice(0, 3) }],
    ['the provider 0', { providerLedger: new Map() }],
    [
      'captured 700, total 1000',
      {
        paymentEvents: [pay(A, 'PaymentCaptured', 700)],
        providerLedger: new Map([[A, { captured: 700, refunded: 0 }]]),
      },
    ],
    ['captured but CANCELLED', { paymentEvents: [...base.paymentEvents, pay(B, 'PaymentCaptured')] }],
    ['2 orders for one (customer, key)', { orderEvents: [...base.orderEvents, placed('d', 'k1')] }],
  ]
  for (const [expected, change] of cases) {
    const report = checkCommerceInvariants({ ...base, ...change })
    t.true(
      report.violations.some((v) => v.includes(expected)),
      `${expected}: ${JSON.stringify(report.violations)}`,
    )
  }
})
