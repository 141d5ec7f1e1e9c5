import test from 'ava'
import type { OrderEvent, OrderPlaced } from '@oxagry/avro'
import { SimError } from '../errors.ts'
import { WAREHOUSES, simulatedCatalogue } from './catalogue.ts'
import { BAD_ORDER_KINDS, createMarket, type MarketRecord } from './market.ts'

const T0 = 1_750_000_000_000
const NO_BAD_DATA = Object.fromEntries(BAD_ORDER_KINDS.map((k) => [k, 0]))
const placedOf = (r: MarketRecord): OrderPlaced | undefined =>
  r.kind === 'order' ? (r.value as OrderEvent).payload['dev.oxagry.orders.OrderPlaced' as never] : undefined

function run(market: ReturnType<typeof createMarket>, seconds: number): MarketRecord[] {
  const out = market.opening(T0)
  for (let s = 1; s <= seconds; s++) out.push(...market.tick(T0 + s * 1000))
  return out
}

test('the opening writes the catalogue and one receipt per stocked product and warehouse', (t) => {
  const opening = createMarket().opening(T0)
  const products = opening.filter((r) => r.kind === 'product')
  t.is(products.length, simulatedCatalogue().length)
  const receipts = opening.filter((r) => r.kind === 'stock')
  t.is(receipts.length, simulatedCatalogue().length * WAREHOUSES.length)
  t.true(receipts.every((r) => r.key.includes('|')))
})

test('checkouts come at the rate, from the catalogue, and the same seed and life give the same records', (t) => {
  const a = run(createMarket({ seed: 3, ordersPerSecond: 10, badData: {} }), 30)
  const b = run(createMarket({ seed: 3, ordersPerSecond: 10, badData: {} }), 30)
  t.deepEqual(a, b)
  const orders = a.filter((r) => r.kind === 'order')
  t.true(orders.length >= 300 && orders.length <= 310, `${orders.length} checkouts in 30 s at 10/s`)
  const products = new Set(simulatedCatalogue().map((p) => p.productId as string))
  for (const r of orders) {
    const placed = placedOf(r)
    if (placed === undefined) continue
    t.true(placed.items.length >= 1 && placed.items.length <= 3)
  }
  t.true(
    orders.every((r) =>
      placedOf(r)?.items.every((i) => products.has(i.productId) || i.productId === 'NO-SUCH-PRODUCT'),
    ),
  )
})

test('a later life never reuses an order id of an earlier one', (t) => {
  const ids = (life: number) =>
    new Set(
      run(createMarket({ seed: 3, life, ordersPerSecond: 20 }), 20)
        .filter((r) => r.kind === 'order')
        .map((r) => r.key),
    )
  const first = ids(0)
  const second = ids(1)
  t.true(first.size > 300)
  t.is([...second].filter((id) => first.has(id)).length, 0)
})

test('bad checkouts are made on purpose, each kind counted, each recognisably wrong', (t) => {
  const market = createMarket({
    seed: 5,
    ordersPerSecond: 50,
    badData: Object.fromEntries(BAD_ORDER_KINDS.map((k) => [k, 0.03])),
  })
  const records = run(market, 20)
  const counts = market.counts()
  for (const kind of BAD_ORDER_KINDS) t.true(counts.bad[kind] > 0, `${kind} made`)
  const placed = records.map(placedOf).filter((p) => p !== undefined)
  t.true(placed.some((p) => p.items.some((i) => i.quantity === 0)))
  t.true(placed.some((p) => p.items.some((i) => i.quantity < 0)))
  t.true(placed.some((p) => p.currency === 'USD'))
  t.true(placed.some((p) => p.items.some((i) => !Number.isSafeInteger(i.quantity * i.unitPriceMinor))))
  // A reused key with another body: one order id carrying two different bodies.
  const bodies = new Map<string, Set<string>>()
  for (const r of records.filter((x) => x.kind === 'order'))
    bodies.set(r.key, (bodies.get(r.key) ?? new Set()).add(JSON.stringify(placedOf(r)?.items)))
  t.true([...bodies.values()].some((b) => b.size > 1))
})

test('orders are followed by a cancellation or a delivery report, and retries resend the same checkout', (t) => {
  const market = createMarket({
    seed: 9,
    ordersPerSecond: 20,
    badData: NO_BAD_DATA,
    retryRate: 0.1,
    cancelRate: 0.2,
    cancelAfterMs: 1000,
    deliverAfterMs: 5000,
  })
  const records = run(market, 30)
  const counts = market.counts()
  t.true(counts.retried > 0 && counts.cancelRequests > 0 && counts.deliveries > 0)
  const commands = records.filter((r) => r.kind === 'command')
  t.is(commands.length, counts.cancelRequests + counts.deliveries)
  const orders = records.filter((r) => r.kind === 'order')
  t.is(orders.length, counts.placed + counts.retried)
  t.is(new Set(orders.map((r) => r.key)).size, counts.placed)
})

test('options are checked at the boundary with a typed error naming the option', (t) => {
  const error = t.throws(() => createMarket({ ordersPerSecond: 0 }), { instanceOf: SimError })
  t.is(error?.context.path, '/market/ordersPerSecond')
})
