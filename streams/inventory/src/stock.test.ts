import test from 'ava'
import {
  ADJUSTMENT_MEMORY,
  EMPTY_STOCK,
  adjust,
  adjustedBefore,
  available,
  confirm,
  release,
  reserve,
  watchLowStock,
  type StockState,
} from './stock.ts'

const receipt = (n: number) => ({ reason: 'RECEIPT' as const, delta: n, reference: null })
const stocked = (n: number): StockState => adjust(EMPTY_STOCK, receipt(n), 1)?.state ?? EMPTY_STOCK
const ask = (orderId: string, quantity: number, expiresAt: number | null = 100) => ({
  orderId,
  reservationId: `r-${orderId}`,
  quantity,
  expiresAt,
})

test('adjust changes on hand and counts the change; refused when on hand would drop below reserved', (t) => {
  const s = stocked(10)
  t.like(s, { onHand: 10, reserved: 0, version: 1, updatedAt: 1 })
  const held = reserve(s, undefined, ask('a', 7), 2)
  if (held.kind !== 'reserved') return t.fail()
  t.is(adjust(held.state, { reason: 'CORRECTION', delta: -4, reference: 'count-7' }, 3), undefined)
  const ok = adjust(held.state, { reason: 'CORRECTION', delta: -3, reference: 'count-7' }, 3)
  t.like(ok?.state, { onHand: 7, reserved: 7, version: 3 })
  t.deepEqual(ok?.changes, [{ kind: 'adjusted', reason: 'CORRECTION', delta: -3, reference: 'count-7' }])
  t.is(
    adjust(EMPTY_STOCK, { reason: 'CORRECTION', delta: -1, reference: null }, 1),
    undefined,
    'never below 0',
  )
})

test('reserve is all or nothing and answers an order already reserved the same', (t) => {
  const s = stocked(5)
  const refused = reserve(s, undefined, ask('a', 6), 2)
  t.deepEqual(refused, { kind: 'refused', available: 5 })
  const a = reserve(s, undefined, ask('a', 3), 2)
  if (a.kind !== 'reserved') return t.fail()
  t.like(a.state, { onHand: 5, reserved: 3, version: 2 })
  t.is(available(a.state), 2)
  const again = reserve(a.state, a.reservation, ask('a', 3), 3)
  t.deepEqual(again, { kind: 'already', reservation: { reservationId: 'r-a', quantity: 3, expiresAt: 100 } })
  t.deepEqual(reserve(a.state, undefined, ask('b', 3), 3), { kind: 'refused', available: 2 })
})

test('confirm clears the expiry once; release returns units, FULFILLED also sells them', (t) => {
  const a = reserve(stocked(5), undefined, ask('a', 3, 500), 2)
  if (a.kind !== 'reserved') return t.fail()
  t.deepEqual(a.reservation, { reservationId: 'r-a', quantity: 3, expiresAt: 500 })
  const confirmed = confirm(a.reservation)
  t.deepEqual(confirmed, { reservationId: 'r-a', quantity: 3, expiresAt: null })
  t.is(confirm(confirmed), undefined, 'confirmed already')
  t.is(confirm(undefined), undefined)

  const cancelled = release(a.state, a.reservation, 'a', 'ORDER_CANCELLED', 3)
  t.like(cancelled?.state, { onHand: 5, reserved: 0, version: 3 })
  t.is(cancelled?.reservation, a.reservation)
  t.is(cancelled?.changes.length, 1)

  const sold = release(a.state, confirmed, 'a', 'FULFILLED', 3)
  t.like(sold?.state, { onHand: 2, reserved: 0, version: 4 })
  t.deepEqual(sold?.changes, [
    { kind: 'released', orderId: 'a', reservationId: 'r-a', quantity: 3, reason: 'FULFILLED' },
    { kind: 'adjusted', reason: 'SALE', delta: -3, reference: 'a' },
  ])
  t.is(release(a.state, undefined, 'nobody', 'ORDER_CANCELLED', 3), undefined)
})

test('the stock state holds no reservations: its size does not grow with the open orders', (t) => {
  let s = stocked(10_000)
  for (let i = 0; i < 1000; i++) {
    const r = reserve(s, undefined, ask(`o-${i}`, 1), 2 + i)
    if (r.kind !== 'reserved') return t.fail()
    s = r.state
  }
  t.like(s, { onHand: 10_000, reserved: 1000, version: 1001 })
  t.true(JSON.stringify(s).length < 200, JSON.stringify(s))
})

test('LowStock once per crossing below the threshold, re-armed at or above it; unwatched without one', (t) => {
  const low = { ...stocked(3) }
  const first = watchLowStock(low, 5)
  t.deepEqual(first.lowStock, { available: 3, threshold: 5 })
  t.true(first.state.belowThreshold)
  t.is(watchLowStock(first.state, 5).lowStock, undefined, 'still below: no second alert')
  const back = watchLowStock({ ...first.state, onHand: 5 }, 5)
  t.is(back.lowStock, undefined)
  t.false(back.state.belowThreshold)
  t.deepEqual(watchLowStock({ ...back.state, onHand: 4 }, 5).lowStock, { available: 4, threshold: 5 })
  t.is(watchLowStock(low, null).lowStock, undefined)
  t.false(watchLowStock(first.state, null).state.belowThreshold)
})

test('adjustments remember their command ids, the latest ADJUSTMENT_MEMORY of them', (t) => {
  let s = EMPTY_STOCK
  for (let i = 0; i <= ADJUSTMENT_MEMORY; i++) s = adjust(s, receipt(1), i, `c-${i}`)?.state ?? s
  t.is(s.onHand, ADJUSTMENT_MEMORY + 1)
  t.true(adjustedBefore(s, `c-${ADJUSTMENT_MEMORY}`))
  t.true(adjustedBefore(s, 'c-1'))
  t.false(adjustedBefore(s, 'c-0'), 'the oldest is forgotten')
  t.false(adjustedBefore(EMPTY_STOCK, 'c-1'))
  t.is(s.recentAdjustments?.length, ADJUSTMENT_MEMORY)
})
