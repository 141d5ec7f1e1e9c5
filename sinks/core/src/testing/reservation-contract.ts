import type { ExecutionContext } from 'ava'
import { conflateReservations } from '../commerce-conflate.ts'
import type { ReservationStore } from '../commerce-stores.ts'
import type { ReservationWrite } from '../commerce-writes.ts'
import { SINK_ERROR_CODES, SinkError } from '../errors.ts'
import { sampleOrderId } from './commerce-samples.ts'
import { reservationStep, sampleReservationId } from './reservation-samples.ts'

type Register = (title: string, body: (t: ExecutionContext) => Promise<void>) => void

const T0 = Date.UTC(2026, 0, 1)

/**
 * The behaviour every ReservationStore must have (MongoDB, PostgreSQL). `open` returns an empty store
 * of its own per test, migrated, so the suite may run concurrently.
 */
export function reservationStoreContract(
  name: string,
  test: Register,
  open: () => Promise<ReservationStore>,
): void {
  const check = (title: string, body: (t: ExecutionContext, store: ReservationStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const store = await open()
      try {
        await body(t, store)
      } finally {
        await store.close()
      }
    })
  const apply = (store: ReservationStore, ...writes: ReservationWrite[]) =>
    store.apply(conflateReservations(writes))
  const ofOrder = async (store: ReservationStore, order: string) =>
    (await store.reservations({ orderId: sampleOrderId(order) })).items

  check('stores a reservation and reads it back whole, by order', async (t, store) => {
    t.deepEqual(await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 3, { quantity: 4 })), {
      applied: 1,
      stale: 0,
    })
    t.deepEqual(await ofOrder(store, 'o-1'), [
      {
        reservationId: sampleReservationId('o-1', 'P-1', 'W-1'),
        orderId: sampleOrderId('o-1'),
        productId: 'P-1',
        warehouseId: 'W-1',
        quantity: 4,
        state: 'RESERVED',
        expiresAt: T0 + 3000 + 60_000,
        reservedAt: T0 + 3000,
        releasedAt: null,
        updatedAt: T0 + 3000,
        version: 3,
      },
    ])
    t.deepEqual(await ofOrder(store, 'o-unknown'), [])
  })

  check('a release in a later batch keeps when it was reserved; each end state', async (t, store) => {
    await apply(
      store,
      reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 1),
      reservationStep('o-2', 'P-1', 'W-1', 'RESERVED', 2),
      reservationStep('o-3', 'P-1', 'W-1', 'RESERVED', 3),
    )
    t.deepEqual(
      await apply(
        store,
        reservationStep('o-1', 'P-1', 'W-1', 'ORDER_CANCELLED', 4),
        reservationStep('o-2', 'P-1', 'W-1', 'EXPIRED', 5),
        reservationStep('o-3', 'P-1', 'W-1', 'FULFILLED', 6),
      ),
      { applied: 3, stale: 0 },
    )
    const rows = await Promise.all(['o-1', 'o-2', 'o-3'].map((o) => ofOrder(store, o)))
    t.deepEqual(
      rows.map((r) => [r[0]?.state, r[0]?.reservedAt, r[0]?.releasedAt, r[0]?.expiresAt, r[0]?.version]),
      [
        ['RELEASED', T0 + 1000, T0 + 4000, T0 + 61_000, 4],
        ['EXPIRED', T0 + 2000, T0 + 5000, T0 + 62_000, 5],
        ['FULFILLED', T0 + 3000, T0 + 6000, T0 + 63_000, 6],
      ],
    )
  })

  check('a replayed or older event never moves a reservation back', async (t, store) => {
    await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 10))
    await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'FULFILLED', 11))
    // The whole log again: both at or before the stored position.
    t.deepEqual(
      await apply(
        store,
        reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 10),
        reservationStep('o-1', 'P-1', 'W-1', 'FULFILLED', 11),
      ),
      { applied: 0, stale: 1 },
    )
    t.deepEqual(await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 10)), {
      applied: 0,
      stale: 1,
    })
    const [row] = await ofOrder(store, 'o-1')
    t.is(row?.state, 'FULFILLED')
    t.is(row?.version, 11)
    t.is(row?.reservedAt, T0 + 10_000)
  })

  check('within one batch the steps fold in record order, whatever the arrival order', async (t, store) => {
    t.deepEqual(
      await apply(
        store,
        reservationStep('o-1', 'P-1', 'W-1', 'ORDER_CANCELLED', 8),
        reservationStep('o-2', 'P-1', 'W-2', 'RESERVED', 9),
        reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 7),
        reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 7),
      ),
      { applied: 2, stale: 0 },
    )
    const [row] = await ofOrder(store, 'o-1')
    t.is(row?.state, 'RELEASED')
    t.is(row?.reservedAt, T0 + 7000)
    t.is(row?.releasedAt, T0 + 8000)
    t.is((await ofOrder(store, 'o-2'))[0]?.state, 'RESERVED')
  })

  check(
    'a release seen without its reservation is stored, and a reservation then keeps the release',
    async (t, store) => {
      await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'EXPIRED', 20))
      t.deepEqual(
        (await ofOrder(store, 'o-1')).map((r) => [r.state, r.reservedAt, r.expiresAt]),
        [['EXPIRED', null, null]],
      )
      t.deepEqual(await apply(store, reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 19)), {
        applied: 0,
        stale: 1,
      })
      t.is((await ofOrder(store, 'o-1'))[0]?.state, 'EXPIRED')
    },
  )

  check('reads by order, by product and warehouse, by state; pages by reservationId', async (t, store) => {
    await apply(
      store,
      reservationStep('o-1', 'P-1', 'W-1', 'RESERVED', 1),
      reservationStep('o-1', 'P-2', 'W-1', 'RESERVED', 2),
      reservationStep('o-2', 'P-1', 'W-1', 'RESERVED', 3),
      reservationStep('o-3', 'P-1', 'W-2', 'RESERVED', 4),
      reservationStep('o-2', 'P-1', 'W-1', 'FULFILLED', 5),
    )
    const ids = (page: { items: readonly { reservationId: string }[] }) =>
      page.items.map((r) => r.reservationId)
    const sorted = (...keys: [string, string, string][]) => keys.map((k) => sampleReservationId(...k)).sort()
    t.deepEqual(
      ids(await store.reservations({ orderId: sampleOrderId('o-1') })),
      sorted(['o-1', 'P-1', 'W-1'], ['o-1', 'P-2', 'W-1']),
    )
    t.deepEqual(
      ids(await store.reservations({ productId: 'P-1', warehouseId: 'W-1' })),
      sorted(['o-1', 'P-1', 'W-1'], ['o-2', 'P-1', 'W-1']),
    )
    t.deepEqual(
      ids(await store.reservations({ productId: 'P-1', state: 'RESERVED' })),
      sorted(['o-1', 'P-1', 'W-1'], ['o-3', 'P-1', 'W-2']),
    )
    t.deepEqual(ids(await store.reservations({ warehouseId: 'W-2' })), sorted(['o-3', 'P-1', 'W-2']))
    const all = sorted(['o-1', 'P-1', 'W-1'], ['o-2', 'P-1', 'W-1'], ['o-3', 'P-1', 'W-2'])
    const first = await store.reservations({ productId: 'P-1', limit: 2 })
    t.deepEqual(ids(first), all.slice(0, 2))
    t.truthy(first.nextCursor)
    const second = await store.reservations({ productId: 'P-1', limit: 2, cursor: first.nextCursor ?? '' })
    t.deepEqual(ids(second), all.slice(2))
    t.is(second.nextCursor, undefined)
  })

  check('a batch of 250 reservations, then their releases, lands whole', async (t, store) => {
    // FerretDB v1 hangs on 100 upserts of existing documents in one command, so a store must cut them.
    const orders = Array.from({ length: 250 }, (_, i) => `bulk-${i}`)
    t.deepEqual(
      await apply(store, ...orders.map((o, i) => reservationStep(o, 'P-1', 'W-1', 'RESERVED', i + 1))),
      { applied: 250, stale: 0 },
    )
    t.deepEqual(
      await apply(store, ...orders.map((o, i) => reservationStep(o, 'P-1', 'W-1', 'FULFILLED', 1000 + i))),
      { applied: 250, stale: 0 },
    )
    const page = await store.reservations({ productId: 'P-1', limit: 1000 })
    t.is(page.items.length, 250)
    t.true(page.items.every((r) => r.state === 'FULFILLED' && r.reservedAt !== null))
  })

  check(
    'rejects a query without ids, an empty id, a bad state, limit or cursor, naming the parameter',
    async (t, store) => {
      for (const [query, path] of [
        [{}, '/query/orderId'],
        [{ orderId: '' }, '/query/orderId'],
        [{ productId: '' }, '/query/productId'],
        [{ warehouseId: 'a\u0000' }, '/query/warehouseId'],
        [{ productId: 'P-1', state: 'GONE' }, '/query/state'],
        [{ productId: 'P-1', limit: 0 }, '/query/limit'],
        [{ productId: 'P-1', limit: 1001 }, '/query/limit'],
        [{ productId: 'P-1', cursor: 'not-a-cursor' }, '/query/cursor'],
      ] as const) {
        const error = await t.throwsAsync(() => store.reservations(query as never), { instanceOf: SinkError })
        t.is(error?.code, SINK_ERROR_CODES.INVALID_QUERY)
        t.is(error?.context.path, path)
      }
    },
  )
}
