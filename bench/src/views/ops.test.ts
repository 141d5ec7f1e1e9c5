import test from 'ava'
import { conflateCommerce, conflateStock } from '@oxagry/sink'
import { orderBatches, rowsOf, stockBatches, viewsOf } from './ops.ts'

test('order batches hold each key once per batch: placement and status at version 1, status after', (t) => {
  const first = orderBatches('r', 5, 2, 1)
  t.deepEqual(
    first.map((b) => b.length),
    [4, 4, 2],
  )
  t.is(rowsOf(first, 'orders', 1), 5)
  t.deepEqual(
    first.map((b) => conflateCommerce(b).orders.length),
    [2, 2, 1],
  )
  const second = orderBatches('r', 5, 2, 2)
  t.is(rowsOf(second, 'orders', 2), 5)
  t.true(second.flat().every((w) => w.kind === 'order-status' && w.status.version === 2))
})

test('stock batches: one level per key, of the version asked', (t) => {
  const batches = stockBatches('r', 7, 3, 4)
  t.deepEqual(
    batches.map((b) => conflateStock(b).levels.length),
    [3, 3, 1],
  )
  t.true(batches.flat().every((w) => w.kind === 'stock-level' && w.level.version === 4))
})

test('orders are PostgreSQL-only; MongoDB holds stock', (t) => {
  t.deepEqual(viewsOf('mongodb'), ['stock'])
  t.deepEqual(viewsOf('pglite'), ['orders', 'stock'])
})
