import test from 'ava'
import { orderView, reservationView } from '../testing.ts'
import { testServer } from '../test-server.ts'

const ORDER_A = '00000000-0000-4000-8000-00000000000a'
const ORDER_B = '00000000-0000-4000-8000-00000000000b'
const rid = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`

async function server(t: Parameters<typeof testServer>[0]) {
  const s = await testServer(t)
  s.views.putOrder(orderView(ORDER_A, { customerId: 'farm-0001' }))
  s.views.putOrder(orderView(ORDER_B, { customerId: 'farm-0002' }))
  s.views.putReservation(reservationView(rid(1), ORDER_A))
  s.views.putReservation(reservationView(rid(2), ORDER_A, { productId: 'FERT-NPK-50KG' }))
  s.views.putReservation(
    reservationView(rid(3), ORDER_B, { state: 'FULFILLED', releasedAt: 1_700_000_030_000, version: 2 }),
  )
  return s
}

test('GET /inventory/reservations by order, by product and warehouse, by state; times as ISO 8601', async (t) => {
  const s = await server(t)
  const get = (query: string) =>
    s.app.inject({ url: `/api/v1/inventory/reservations?${query}`, headers: s.bearer(s.tokens.reader) })
  const byOrder = await get(`orderId=${ORDER_A}`)
  t.is(byOrder.statusCode, 200)
  t.deepEqual(
    byOrder.json().reservations.map((r: { reservationId: string }) => r.reservationId),
    [rid(1), rid(2)],
  )
  t.deepEqual(byOrder.json().reservations[0], {
    reservationId: rid(1),
    orderId: ORDER_A,
    productId: 'SEED-WHEAT-25KG',
    warehouseId: 'wh-north',
    quantity: 2,
    state: 'RESERVED',
    expiresAt: '2023-11-14T22:14:20.000Z',
    reservedAt: '2023-11-14T22:13:20.000Z',
    releasedAt: null,
    updatedAt: '2023-11-14T22:13:20.000Z',
  })
  const held = await get('productId=SEED-WHEAT-25KG&warehouseId=wh-north')
  t.is(held.json().reservations.length, 2)
  const shipped = await get('productId=SEED-WHEAT-25KG&state=FULFILLED')
  t.deepEqual(
    shipped
      .json()
      .reservations.map((r: { orderId: string; releasedAt: string }) => [r.orderId, r.releasedAt]),
    [[ORDER_B, '2023-11-14T22:13:50.000Z']],
  )
})

test('GET /inventory/reservations pages with limit and cursor', async (t) => {
  const s = await server(t)
  const get = (query: string) =>
    s.app.inject({ url: `/api/v1/inventory/reservations?${query}`, headers: s.bearer(s.tokens.reader) })
  const first = (await get('warehouseId=wh-north&limit=2')).json()
  t.deepEqual(
    first.reservations.map((r: { reservationId: string }) => r.reservationId),
    [rid(1), rid(2)],
  )
  t.is(typeof first.nextCursor, 'string')
  const second = (await get(`warehouseId=wh-north&limit=2&cursor=${first.nextCursor}`)).json()
  t.deepEqual(
    second.reservations.map((r: { reservationId: string }) => r.reservationId),
    [rid(3)],
  )
  t.is(second.nextCursor, undefined)
})

test('GET /inventory/reservations: bad input is a 400 naming the parameter', async (t) => {
  const s = await server(t)
  const get = (query: string) =>
    s.app.inject({ url: `/api/v1/inventory/reservations?${query}`, headers: s.bearer(s.tokens.reader) })
  for (const [query, message] of [
    ['', /querystring must have orderId, productId or warehouseId/],
    ['orderId=not-a-uuid', /querystring\/orderId must match pattern/],
    ['productId=a%7Cb', /querystring\/productId must match pattern/],
    ['productId=P&state=GONE', /querystring\/state must be equal to one of the allowed values/],
    ['productId=P&limit=0', /querystring\/limit must be >= 1/],
    ['productId=P&colour=red', /querystring must NOT have additional properties/],
    ['productId=P&cursor=bogus', /querystring\/cursor is not a cursor this API returned/],
  ] as const) {
    const res = await get(query)
    t.is(res.statusCode, 400, query)
    t.is(res.json().code, 'OXA_API_BAD_REQUEST', query)
    t.regex(res.json().message, message, query)
  }
})

test("GET /inventory/reservations: a customer's token reads its own orders' reservations only", async (t) => {
  const s = await server(t)
  const token = await s.tokens.customer('farm-0001')
  const get = (query: string) =>
    s.app.inject({ url: `/api/v1/inventory/reservations?${query}`, headers: s.bearer(token) })
  const own = await get(`orderId=${ORDER_A}`)
  t.is(own.statusCode, 200)
  t.is(own.json().reservations.length, 2)
  const other = await get(`orderId=${ORDER_B}`)
  t.is(other.statusCode, 404)
  t.is(other.json().code, 'OXA_API_NOT_FOUND')
  const byProduct = await get('productId=SEED-WHEAT-25KG')
  t.is(byProduct.statusCode, 403)
  t.is(byProduct.json().code, 'OXA_API_FORBIDDEN')
})
