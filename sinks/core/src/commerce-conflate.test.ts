import test from 'ava'
import { conflateCommerce, conflateStock } from './commerce-conflate.ts'
import {
  orderDeleted,
  orderPlaced,
  orderStatus,
  sampleOrderId,
  samplePaymentId,
  step,
  stockDeleted,
  stockLevel,
} from './testing/index.ts'

const T0 = Date.UTC(2026, 0, 1)

test('placement and status of one order become one row, whichever came first', (t) => {
  const a = conflateCommerce([orderPlaced('o', T0), orderStatus('o', 2, { state: 'CONFIRMED' })])
  const b = conflateCommerce([orderStatus('o', 2, { state: 'CONFIRMED' }), orderPlaced('o', T0)])
  t.deepEqual(a, b)
  t.is(a.orders.length, 1)
  t.like(a.orders[0], { state: 'CONFIRMED', version: 2, placedAt: T0 })
  t.is(a.orders[0]?.lines?.length, 2)
})

test('a placement alone is PLACED at version 0 with totals from its lines', (t) => {
  const { orders } = conflateCommerce([orderPlaced('o', T0)])
  t.like(orders[0], { state: 'PLACED', version: 0, totalMinor: 2 * 1250 + 990, itemCount: 2, updatedAt: T0 })
})

test('a status alone has no lines yet (null), so a later placement can add them', (t) => {
  const { orders } = conflateCommerce([orderStatus('o', 1)])
  t.is(orders[0]?.lines, null)
})

test('the highest status version wins in any order; equal versions keep the later record', (t) => {
  const { orders } = conflateCommerce([
    orderStatus('o', 3, { state: 'CONFIRMED' }),
    orderStatus('o', 5, { state: 'COMPLETED' }),
    orderStatus('o', 4, { state: 'CANCELLED' }),
  ])
  t.like(orders[0], { state: 'COMPLETED', version: 5 })
  const dup = conflateCommerce([
    orderStatus('o', 5, { note: 'first' }),
    orderStatus('o', 5, { note: 'again' }),
  ])
  t.is(dup.orders[0]?.note, 'again')
})

test('a duplicate placement is ignored: the first one stays', (t) => {
  const { orders } = conflateCommerce([
    orderPlaced('o', T0, { customerId: 'C-1' }),
    orderPlaced('o', T0 + 5, { customerId: 'C-2' }),
  ])
  t.like(orders[0], { customerId: 'C-1', placedAt: T0 })
})

test('a tombstone after the kept status deletes the order and drops its placement; before it, it is overruled', (t) => {
  const deleted = conflateCommerce([
    orderPlaced('o', T0),
    orderStatus('o', 1, { position: 10 }),
    orderDeleted('o', 11),
  ])
  t.deepEqual(deleted.orders, [])
  t.deepEqual(deleted.deletedOrders, [{ orderId: sampleOrderId('o'), version: 1 }])
  const revived = conflateCommerce([orderDeleted('o', 10), orderStatus('o', 1, { position: 11 })])
  t.deepEqual(revived.deletedOrders, [])
  t.is(revived.orders.length, 1)
})

test('payment steps stay whole, by payment then position, each record once', (t) => {
  const s1 = step('p2', 'o', 'REQUESTED', 1)
  const { paymentSteps } = conflateCommerce([
    step('p2', 'o', 'CAPTURED', 3),
    s1,
    step('p1', 'o', 'REQUESTED', 2),
    s1,
  ])
  const p2 = [
    [samplePaymentId('p2'), 1],
    [samplePaymentId('p2'), 3],
  ]
  const p1 = [[samplePaymentId('p1'), 2]]
  t.deepEqual(
    paymentSteps.map((s) => [s.paymentId, s.position]),
    samplePaymentId('p1') < samplePaymentId('p2') ? [...p1, ...p2] : [...p2, ...p1],
  )
})

test('stock: the highest version per key, in any order', (t) => {
  const { levels, deleted } = conflateStock([
    stockLevel('P', 'W', 2, { onHand: 2 }),
    stockLevel('P', 'W', 4, { onHand: 4 }),
    stockLevel('P', 'W', 3, { onHand: 3 }),
    stockLevel('P', 'W2', 1),
  ])
  t.deepEqual(
    levels.map((l) => [l.warehouseId, l.onHand]),
    [
      ['W', 4],
      ['W2', 90 + 10],
    ],
  )
  t.deepEqual(deleted, [])
})

test('stock: the later of level and tombstone decides, by record position', (t) => {
  const gone = conflateStock([stockLevel('P', 'W', 7, { position: 5 }), stockDeleted('P', 'W', 6)])
  t.deepEqual(gone, { levels: [], deleted: [{ productId: 'P', warehouseId: 'W' }] })
  const back = conflateStock([stockDeleted('P', 'W', 6), stockLevel('P', 'W', 1, { position: 7 })])
  t.deepEqual(back.deleted, [])
  t.is(back.levels[0]?.version, 1)
})
