import test from 'ava'
import type { CurrencyCode, CustomerId, OrderPlaced, ProductId, WarehouseId } from '@oxagry/avro'
import { orderTotal, spendAt, withoutOrder } from './fraud.ts'

function placed(lines: readonly [number, number][]): OrderPlaced {
  return {
    customerId: 'farm-1' as CustomerId,
    items: lines.map(([quantity, unitPriceMinor]) => ({
      productId: 'p' as ProductId,
      warehouseId: 'w' as WarehouseId,
      quantity,
      unitPriceMinor,
    })),
    currency: 'EUR' as CurrencyCode,
    deliveryLocation: { latitude: 0, longitude: 0, address: null },
    idempotencyKey: 'k',
  }
}

test('order totals: the sum of quantity × unit price; what is wrong named otherwise', (t) => {
  t.deepEqual(
    orderTotal(
      placed([
        [2, 150],
        [3, 0],
      ]),
    ),
    { totalMinor: 300 },
  )
  t.deepEqual(orderTotal(placed([])), { invalid: 'the order has no lines' })
  t.regex(JSON.stringify(orderTotal(placed([[0, 5]]))), /line 1: quantity 0/)
  t.regex(
    JSON.stringify(
      orderTotal(
        placed([
          [1, 5],
          [1, 2.5],
        ]),
      ),
    ),
    /line 2: unit price 2.5/,
  )
  t.regex(JSON.stringify(orderTotal(placed([[1, -1]]))), /unit price -1/)
  t.regex(JSON.stringify(orderTotal(placed([[2 ** 30, 2 ** 30]]))), /passes 2\^53/)
})

test('the window is [t - size, t]: both ends in, later orders out; pruning keeps from a time on', (t) => {
  const spend = {
    orders: [
      { orderId: 'a', totalMinor: 1, placedAt: 0 },
      { orderId: 'b', totalMinor: 10, placedAt: 100 },
      { orderId: 'c', totalMinor: 100, placedAt: 101 },
    ],
  }
  t.is(spendAt(spend, 100, 100), 11)
  t.is(spendAt(spend, 101, 100), 110)
  t.deepEqual(
    withoutOrder(spend, 'c', 1).orders.map((o) => o.orderId),
    ['b'],
  )
})
