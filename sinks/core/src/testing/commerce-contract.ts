import type { ExecutionContext } from 'ava'
import { customerId } from '@oxagry/avro'
import { conflateCommerce } from '../commerce-conflate.ts'
import { paymentStepOf } from '../commerce-decoders.ts'
import type { CommerceStore } from '../commerce-stores.ts'
import type { CommerceWrite, PaymentStep } from '../commerce-writes.ts'
import { SINK_ERROR_CODES, SinkError } from '../errors.ts'
import {
  orderDeleted,
  orderPlaced,
  orderStatus,
  paymentEvent,
  sampleOrderId,
  samplePaymentId,
} from './commerce-samples.ts'

type Register = (title: string, body: (t: ExecutionContext) => Promise<void>) => void

const T0 = Date.UTC(2026, 0, 1)

/** A payment step as the decoder makes it, at a record position. */
export function step(
  payment: string,
  order: string,
  kind: PaymentStep['state'],
  position: number,
  amountMinor = 3490,
): CommerceWrite {
  return {
    kind: 'payment-step',
    step: paymentStepOf(paymentEvent(payment, order, kind, T0 + position * 1000, amountMinor), position),
  }
}

/**
 * The behaviour every CommerceStore must have. `open` returns an empty, migrated store of its own per
 * test, so the suite may run concurrently.
 */
export function commerceStoreContract(
  name: string,
  test: Register,
  open: () => Promise<CommerceStore>,
): void {
  const check = (title: string, body: (t: ExecutionContext, store: CommerceStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const store = await open()
      try {
        await body(t, store)
      } finally {
        await store.close()
      }
    })
  const apply = (store: CommerceStore, ...writes: CommerceWrite[]) => store.apply(conflateCommerce(writes))

  check('an order from its placement alone: PLACED, version 0, totals from the lines', async (t, store) => {
    t.deepEqual(await apply(store, orderPlaced('o1', T0)), { applied: 1, stale: 0 })
    t.deepEqual(await store.getOrder(sampleOrderId('o1')), {
      orderId: sampleOrderId('o1'),
      customerId: 'C-1',
      state: 'PLACED',
      paymentState: null,
      cancellationReason: null,
      note: null,
      currency: 'EUR',
      totalMinor: 3490,
      itemCount: 2,
      lines: [
        { productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 2, unitPriceMinor: 1250 },
        { productId: 'FERT-NPK-50KG', warehouseId: 'wh-south', quantity: 1, unitPriceMinor: 990 },
      ],
      placedAt: T0,
      updatedAt: T0,
      version: 0,
    })
    t.is(await store.getOrder(sampleOrderId('unknown')), undefined)
  })

  check('placement and status in either order, or one batch, make the same row', async (t, store) => {
    const status = { state: 'CONFIRMED', paymentState: 'AUTHORISED', placedAt: T0 } as const
    await apply(store, orderPlaced('a', T0))
    await apply(store, orderStatus('a', 3, status))
    await apply(store, orderStatus('b', 3, status))
    t.deepEqual(await apply(store, orderPlaced('b', T0)), { applied: 1, stale: 0 })
    await apply(store, orderStatus('c', 3, status), orderPlaced('c', T0))
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => store.getOrder(sampleOrderId(n))))
    t.is(a?.state, 'CONFIRMED')
    t.is(a?.lines.length, 2)
    t.is(a?.version, 3)
    t.is(a?.updatedAt, T0 + 3000)
    for (const other of [b, c]) t.deepEqual({ ...other, orderId: a?.orderId }, a)
    // The placement again (a duplicate) changes nothing.
    t.deepEqual(await apply(store, orderPlaced('a', T0)), { applied: 0, stale: 1 })
  })

  check('a status moves only to a higher version: replays and late ones are stale', async (t, store) => {
    await apply(store, orderStatus('o', 2, { state: 'CONFIRMED' }))
    t.deepEqual(await apply(store, orderStatus('o', 1, { state: 'PLACED' })), { applied: 0, stale: 1 })
    t.deepEqual(await apply(store, orderStatus('o', 2, { state: 'CONFIRMED' })), { applied: 0, stale: 1 })
    t.is((await store.getOrder(sampleOrderId('o')))?.state, 'CONFIRMED')
    // Out of order within a batch: the highest version wins.
    await apply(
      store,
      orderStatus('o', 5, { state: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK', note: 'line 1' }),
      orderStatus('o', 4, { state: 'COMPLETED' }),
    )
    const got = await store.getOrder(sampleOrderId('o'))
    t.is(got?.state, 'CANCELLED')
    t.is(got?.cancellationReason, 'OUT_OF_STOCK')
    t.is(got?.note, 'line 1')
    t.is(got?.version, 5)
    t.deepEqual(got?.lines, [])
  })

  check('a tombstone deletes the order for good: only a newer status brings it back', async (t, store) => {
    await apply(store, orderPlaced('o', T0), orderStatus('o', 1, { position: 10 }))
    t.deepEqual(await apply(store, orderDeleted('o', 11)), { applied: 1, stale: 0 })
    t.is(await store.getOrder(sampleOrderId('o')), undefined)
    // Status then tombstone in one batch: deleted; tombstone then status: kept.
    await apply(store, orderStatus('p', 1, { position: 20 }), orderDeleted('p', 21))
    t.is(await store.getOrder(sampleOrderId('p')), undefined)
    await apply(store, orderDeleted('q', 30), orderStatus('q', 1, { position: 31 }))
    t.is((await store.getOrder(sampleOrderId('q')))?.version, 1)
    // A late placement (another topic) or a replayed older status does not bring a deleted order back,
    // nor does a tombstone of an order never seen let its later placement in.
    t.deepEqual(await apply(store, orderPlaced('o', T0)), { applied: 0, stale: 1 })
    t.deepEqual(await apply(store, orderStatus('o', 1, { position: 10 })), { applied: 0, stale: 1 })
    t.deepEqual(await apply(store, orderDeleted('r', 40)), { applied: 1, stale: 0 })
    t.deepEqual(await apply(store, orderPlaced('r', T0)), { applied: 0, stale: 1 })
    for (const name of ['o', 'r']) t.is(await store.getOrder(sampleOrderId(name)), undefined)
    t.deepEqual(
      (await store.listOrders()).items.map((o) => o.orderId),
      [sampleOrderId('q')],
    )
    // A status of a higher version than the deleted one's is a new life of the key.
    await apply(store, orderStatus('o', 2, { position: 50, state: 'CONFIRMED' }))
    t.is((await store.getOrder(sampleOrderId('o')))?.state, 'CONFIRMED')
    await apply(store, orderStatus('r', 1, { position: 41, customerId: customerId('C-9') }))
    t.like(await store.getOrder(sampleOrderId('r')), { customerId: 'C-9', currency: 'EUR', placedAt: T0 })
  })

  check(
    'a payment folds its steps; refunds add up; a re-delivered or re-sent step counts once',
    async (t, store) => {
      const pay = samplePaymentId('p1')
      await apply(store, step('p1', 'o', 'REQUESTED', 1), step('p1', 'o', 'AUTHORISED', 2))
      t.like(await store.getPayment(pay), { state: 'AUTHORISED', amountMinor: 3490, method: 'CARD' })
      await apply(store, step('p1', 'o', 'CAPTURED', 3), step('p1', 'o', 'REFUNDED', 4, 500))
      // A crash re-delivers steps 3 and 4 with a new one, cut into another batch.
      await apply(
        store,
        step('p1', 'o', 'CAPTURED', 3),
        step('p1', 'o', 'REFUNDED', 4, 500),
        step('p1', 'o', 'REFUNDED', 5, 700),
      )
      t.deepEqual(await store.getPayment(pay), {
        paymentId: pay,
        orderId: sampleOrderId('o'),
        state: 'REFUNDED',
        amountMinor: 3490,
        currency: 'EUR',
        method: 'CARD',
        failureReason: null,
        refundedMinor: 1200,
        createdAt: T0 + 1000,
        updatedAt: T0 + 5000,
        version: 5,
      })
      // The whole history again: nothing moves.
      t.deepEqual(
        await apply(
          store,
          ...[1, 2, 3].map((p) =>
            step('p1', 'o', p === 1 ? 'REQUESTED' : p === 2 ? 'AUTHORISED' : 'CAPTURED', p),
          ),
        ),
        { applied: 0, stale: 1 },
      )
      t.is((await store.getPayment(pay))?.refundedMinor, 1200)
      // A producer re-sent the last refund: the same event at a later position counts once.
      const resent: CommerceWrite = {
        kind: 'payment-step',
        step: paymentStepOf(paymentEvent('p1', 'o', 'REFUNDED', T0 + 5000, 700), 9),
      }
      t.deepEqual(await apply(store, resent), { applied: 0, stale: 1 })
      t.is((await store.getPayment(pay))?.refundedMinor, 1200)
      t.is(await store.getPayment(samplePaymentId('unknown')), undefined)
    },
  )

  check("an order's payments, oldest first, with a failure's reason", async (t, store) => {
    await apply(store, step('second', 'o', 'REQUESTED', 20), step('first', 'o', 'REQUESTED', 10))
    await apply(store, step('first', 'o', 'FAILED', 11), step('other', 'x', 'REQUESTED', 12))
    const payments = await store.paymentsOfOrder(sampleOrderId('o'))
    t.deepEqual(
      payments.map((p) => [p.paymentId, p.state, p.failureReason]),
      [
        [samplePaymentId('first'), 'FAILED', 'DECLINED'],
        [samplePaymentId('second'), 'REQUESTED', null],
      ],
    )
    t.deepEqual(await store.paymentsOfOrder(sampleOrderId('none')), [])
  })

  check('lists newest placement first, then by id, with keyset pagination and filters', async (t, store) => {
    const writes: CommerceWrite[] = []
    for (let i = 0; i < 25; i++) {
      const at = T0 + Math.floor(i / 2) * 60_000 // pairs share a placement time: the id breaks the tie
      writes.push(orderPlaced(`l${i}`, at, { customerId: i % 3 === 0 ? 'C-A' : 'C-B' }))
      if (i % 5 === 0) writes.push(orderStatus(`l${i}`, 1, { state: 'CONFIRMED', placedAt: at }))
    }
    await apply(store, ...writes)
    const all = await store.listOrders({ limit: 1000 })
    t.is(all.items.length, 25)
    t.is(all.nextCursor, undefined)
    const expected = [...all.items].sort(
      (a, b) => b.placedAt - a.placedAt || (a.orderId < b.orderId ? -1 : 1),
    )
    t.deepEqual(
      all.items.map((o) => o.orderId),
      expected.map((o) => o.orderId),
    )
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await store.listOrders({ limit: 10, ...(cursor === undefined ? {} : { cursor }) })
      seen.push(...page.items.map((o) => o.orderId))
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined && pages < 10)
    t.deepEqual(
      seen,
      expected.map((o) => o.orderId),
    )
    t.is(pages, 3)
    const ids = async (query: Parameters<CommerceStore['listOrders']>[0]) =>
      (await store.listOrders(query)).items.map((o) => o.orderId)
    t.deepEqual(
      await ids({ customerId: 'C-A' }),
      expected.filter((o) => o.customerId === 'C-A').map((o) => o.orderId),
    )
    t.deepEqual(
      await ids({ state: 'CONFIRMED' }),
      expected.filter((o) => o.state === 'CONFIRMED').map((o) => o.orderId),
    )
    const from = T0 + 2 * 60_000
    const to = T0 + 5 * 60_000
    t.deepEqual(
      await ids({ from, to }),
      expected.filter((o) => o.placedAt >= from && o.placedAt < to).map((o) => o.orderId),
    )
    t.is((await ids({ from, to })).length, 6)
    t.deepEqual(
      await ids({ customerId: 'C-B', state: 'PLACED', from, limit: 2 }),
      expected
        .filter((o) => o.customerId === 'C-B' && o.state === 'PLACED' && o.placedAt >= from)
        .slice(0, 2)
        .map((o) => o.orderId),
    )
  })

  check('rejects a bad limit, state, time range or cursor, naming the parameter', async (t, store) => {
    for (const [query, path] of [
      [{ limit: 0 }, '/query/limit'],
      [{ limit: 1001 }, '/query/limit'],
      [{ state: 'SHIPPED' }, '/query/state'],
      [{ customerId: '' }, '/query/customerId'],
      [{ from: -1 }, '/query/from'],
      [{ to: 1.5 }, '/query/to'],
      [{ from: 10, to: 5 }, '/query/from'],
      [{ cursor: 'not-a-cursor' }, '/query/cursor'],
      [{ cursor: Buffer.from('{"p":"x","o":"y"}').toString('base64url') }, '/query/cursor'],
    ] as const) {
      const error = await t.throwsAsync(() => store.listOrders(query as never), { instanceOf: SinkError })
      t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY, JSON.stringify(query))
      t.is(error?.context.path, path)
    }
  })
}
