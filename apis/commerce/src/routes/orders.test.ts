import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { orderView, paymentView, unreachableProducers } from '../testing.ts'
import { CHECKOUT, testServer } from '../test-server.ts'

const json = { 'content-type': 'application/json' }

test('POST /orders: 202 with the order id derived from customer and key, a Location, and one OrderPlaced in the log', async (t) => {
  const s = await testServer(t)
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...s.bearer(s.tokens.staff), ...json, 'idempotency-key': 'checkout-1' },
    payload: CHECKOUT,
  })
  t.is(res.statusCode, 202, res.body)
  const orderId = nameUuid('order:farm-0001:checkout-1')
  t.deepEqual(res.json(), { status: 'accepted', orderId, location: `/api/v1/orders/${orderId}` })
  t.is(res.headers.location, `/api/v1/orders/${orderId}`)
  const events = await s.orderEvents()
  t.is(events.length, 1)
  const [event] = events
  t.is(event?.key, orderId)
  t.is(event?.value.orderId as string | undefined, orderId)
  t.is(event?.value.occurredAt, 1_700_000_500_000)
  t.deepEqual(plain(event?.value.payload), {
    'dev.oxagry.orders.OrderPlaced': {
      customerId: 'farm-0001',
      items: CHECKOUT.items,
      currency: 'EUR',
      deliveryLocation: { latitude: 52.1, longitude: 9.7, address: null },
      idempotencyKey: 'checkout-1',
    },
  })
})

test('POST /orders retried with the same key and body: the same order id and event id; another body: 409, nothing written', async (t) => {
  const s = await testServer(t)
  const place = (body: object) =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...s.bearer(s.tokens.staff), ...json, 'idempotency-key': 'k-7' },
      payload: body,
    })
  const [a, b] = await Promise.all([place(CHECKOUT), place(CHECKOUT)])
  t.is(a.statusCode, 202)
  t.is(b.statusCode, 202)
  t.is(a.json().orderId, b.json().orderId)
  const other = await place({ ...CHECKOUT, items: [{ ...CHECKOUT.items[0], quantity: 3 }] })
  t.is(other.statusCode, 409)
  t.is(other.json().code, 'OXA_API_CONFLICT')
  t.regex(other.json().message, /idempotency-key was already used/)
  const events = await s.orderEvents()
  t.is(events.length, 2, 'the two retries are written; the conflicting body is not')
  t.is(
    events[0]?.value.eventId,
    events[1]?.value.eventId,
    'a retry has the same event id, so consumers deduplicate it',
  )
})

test('POST /orders: a forgotten key with another body goes to the processor (the bounded store keeps the newest keys)', async (t) => {
  const s = await testServer(t, { plugin: { idempotencyKeys: 1 } })
  const place = (key: string, quantity: number) =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...s.bearer(s.tokens.staff), ...json, 'idempotency-key': key },
      payload: { ...CHECKOUT, items: [{ ...CHECKOUT.items[0], quantity }] },
    })
  t.is((await place('a', 1)).statusCode, 202)
  t.is((await place('b', 1)).statusCode, 202)
  // `a` was forgotten when `b` came: its new body cannot be refused here, and the event carries the key.
  const again = await place('a', 5)
  t.is(again.statusCode, 202)
  const events = await s.orderEvents()
  t.is(events.length, 3)
  const keyed = (key: string) =>
    events
      .map((e) => e.value)
      .filter(
        (v) =>
          'dev.oxagry.orders.OrderPlaced' in v.payload &&
          v.payload['dev.oxagry.orders.OrderPlaced'].idempotencyKey === key,
      )
  const [first, second] = keyed('a')
  t.is(second?.orderId, first?.orderId, 'same order id: the processor refuses the second body')
  t.not(second?.eventId, first?.eventId)
})

test('POST /orders: bad bodies and headers are 400 naming the field; nothing is written', async (t) => {
  const s = await testServer(t)
  const cases: [Record<string, string>, unknown, RegExp][] = [
    [{}, CHECKOUT, /headers must have required property 'idempotency-key'/],
    [{ 'idempotency-key': 'k' }, { ...CHECKOUT, items: [] }, /body\/items must NOT have fewer than 1 items/],
    [{ 'idempotency-key': 'k' }, { ...CHECKOUT, currency: 'euro' }, /body\/currency must match pattern/],
    [
      { 'idempotency-key': 'k' },
      { ...CHECKOUT, items: [{ ...CHECKOUT.items[0], quantity: 0 }] },
      /body\/items\/0\/quantity must be >= 1/,
    ],
    [
      { 'idempotency-key': 'k' },
      { ...CHECKOUT, items: [{ ...CHECKOUT.items[0], productId: 'a|b' }] },
      /body\/items\/0\/productId must match pattern/,
    ],
    [{ 'idempotency-key': 'k' }, { ...CHECKOUT, extra: 1 }, /body must NOT have additional properties/],
    [
      { 'idempotency-key': 'k' },
      { ...CHECKOUT, customerId: undefined },
      /body must have required property 'customerId'/,
    ],
    [
      { 'idempotency-key': 'k' },
      { ...CHECKOUT, deliveryLocation: { latitude: 91, longitude: 0 } },
      /deliveryLocation\/latitude must be <= 90/,
    ],
  ]
  for (const [headers, payload, message] of cases) {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...s.bearer(s.tokens.staff), ...json, ...headers },
      payload: JSON.stringify(payload),
    })
    t.is(res.statusCode, 400, res.body)
    t.is(res.json().code, 'OXA_API_BAD_REQUEST')
    t.regex(res.json().message, message)
  }
  t.is((await s.orderEvents()).length, 0)
})

test('POST /orders: Kafka unreachable is 503 with nothing written; the retry with the same key then succeeds', async (t) => {
  let down = true
  const s = await testServer(t, { backend: (memory) => unreachableProducers(memory, () => down) })
  const place = () =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...s.bearer(s.tokens.staff), ...json, 'idempotency-key': 'while-down' },
      payload: CHECKOUT,
    })
  const res = await place()
  t.is(res.statusCode, 503)
  t.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'statusCode'])
  t.is(res.json().code, 'OXA_API_UNAVAILABLE')
  t.regex(res.json().message, /nothing was written/)
  t.is((await s.orderEvents()).length, 0)
  down = false
  const retry = await place()
  t.is(retry.statusCode, 202)
  t.is((await s.orderEvents()).length, 1)
})

test("POST /orders: a customer's token places for its own customer and may not place for another", async (t) => {
  const s = await testServer(t)
  const token = await s.tokens.customer('farm-0042')
  const { customerId: _, ...noCustomer } = CHECKOUT
  const own = await s.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...s.bearer(token), ...json, 'idempotency-key': 'mine' },
    payload: noCustomer,
  })
  t.is(own.statusCode, 202)
  t.is(own.json().orderId, nameUuid('order:farm-0042:mine'))
  const other = await s.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...s.bearer(token), ...json, 'idempotency-key': 'theirs' },
    payload: CHECKOUT,
  })
  t.is(other.statusCode, 403)
  t.is(other.json().code, 'OXA_API_FORBIDDEN')
  const reader = await s.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...s.bearer(s.tokens.reader), ...json, 'idempotency-key': 'r' },
    payload: CHECKOUT,
  })
  t.is(reader.statusCode, 403, 'placing needs commerce:write')
  t.is((await s.orderEvents()).length, 1)
})

test('GET /orders/{id}: the order with ISO times; unknown 404; a bad id 400; another customer’s 404', async (t) => {
  const s = await testServer(t)
  const id = nameUuid('order:farm-0001:x')
  s.views.putOrder(orderView(id))
  const res = await s.app.inject({ url: `/api/v1/orders/${id}`, headers: s.bearer(s.tokens.reader) })
  t.is(res.statusCode, 200)
  t.like(res.json(), { orderId: id, state: 'PLACED', placedAt: '2023-11-14T22:13:20.000Z', totalMinor: 2500 })
  t.is(res.json().lines.length, 1)
  const unknown = await s.app.inject({
    url: `/api/v1/orders/${nameUuid('nope')}`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(unknown.statusCode, 404)
  t.is(unknown.json().code, 'OXA_API_NOT_FOUND')
  const bad = await s.app.inject({ url: '/api/v1/orders/not-a-uuid', headers: s.bearer(s.tokens.reader) })
  t.is(bad.statusCode, 400)
  t.regex(bad.json().message, /params\/id must match pattern/)
  const stranger = await s.app.inject({
    url: `/api/v1/orders/${id}`,
    headers: s.bearer(await s.tokens.customer('farm-0099')),
  })
  t.is(stranger.statusCode, 404)
  const noToken = await s.app.inject({ url: `/api/v1/orders/${id}` })
  t.is(noToken.statusCode, 401)
})

test('GET /orders/{id}?waitFor=decision answers once the read model shows the decision (read-your-writes)', async (t) => {
  const s = await testServer(t, { plugin: { pollMs: 10 } })
  const id = nameUuid('order:farm-0001:wait')
  const waiting = s.app.inject({
    url: `/api/v1/orders/${id}?waitFor=decision&timeoutMs=5000`,
    headers: s.bearer(s.tokens.reader),
  })
  setTimeout(() => s.views.putOrder(orderView(id)), 50)
  setTimeout(() => s.views.putOrder(orderView(id, { state: 'CONFIRMED', version: 3 })), 150)
  const res = await waiting
  t.is(res.statusCode, 200)
  t.is(res.json().state, 'CONFIRMED')
  t.is(res.headers['oxagry-wait'], 'satisfied')
  // Waiting for CONFIRMED ends at CANCELLED: it will never be confirmed.
  const other = nameUuid('order:farm-0001:cancelled')
  s.views.putOrder(orderView(other, { state: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK', version: 2 }))
  const cancelled = await s.app.inject({
    url: `/api/v1/orders/${other}?waitFor=CONFIRMED&timeoutMs=5000`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(cancelled.json().state, 'CANCELLED')
})

test('GET /orders/{id}?waitFor: the time is bounded; at the end the order as it is, or 404 when never seen', async (t) => {
  const s = await testServer(t, { plugin: { pollMs: 10, maxWaitMs: 1000 } })
  const id = nameUuid('order:farm-0001:slow')
  s.views.putOrder(orderView(id))
  const res = await s.app.inject({
    url: `/api/v1/orders/${id}?waitFor=COMPLETED&timeoutMs=100`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(res.statusCode, 200)
  t.is(res.json().state, 'PLACED')
  t.is(res.headers['oxagry-wait'], 'timed-out')
  const never = await s.app.inject({
    url: `/api/v1/orders/${nameUuid('never')}?waitFor=decision&timeoutMs=50`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(never.statusCode, 404)
  const tooLong = await s.app.inject({
    url: `/api/v1/orders/${id}?waitFor=decision&timeoutMs=1001`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(tooLong.statusCode, 400)
  t.regex(tooLong.json().message, /querystring\/timeoutMs must be <= 1000/)
  const badState = await s.app.inject({
    url: `/api/v1/orders/${id}?waitFor=SHIPPED`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(badState.statusCode, 400)
  t.regex(badState.json().message, /querystring\/waitFor must be equal to one of the allowed values/)
})

test('GET /orders: filters, newest first, cursor pages; bad cursor and range 400; a customer sees its own only', async (t) => {
  const s = await testServer(t)
  for (let i = 0; i < 5; i++)
    s.views.putOrder(
      orderView(nameUuid(`o${i}`), {
        customerId: i % 2 === 0 ? 'farm-0001' : 'farm-0002',
        placedAt: 1_700_000_000_000 + i * 1000,
        state: i === 4 ? 'CONFIRMED' : 'PLACED',
      }),
    )
  const get = async (query: string, token = s.tokens.reader) =>
    s.app.inject({ url: `/api/v1/orders?${query}`, headers: s.bearer(token) })
  const first = await get('customerId=farm-0001&limit=2')
  t.is(first.statusCode, 200)
  t.deepEqual(
    first.json().orders.map((o: { orderId: string }) => o.orderId),
    [nameUuid('o4'), nameUuid('o2')],
  )
  const second = await get(`customerId=farm-0001&limit=2&cursor=${first.json().nextCursor}`)
  t.deepEqual(
    second.json().orders.map((o: { orderId: string }) => o.orderId),
    [nameUuid('o0')],
  )
  t.is(second.json().nextCursor, undefined)
  t.is((await get('state=CONFIRMED')).json().orders.length, 1)
  const ranged = await get(
    `from=${new Date(1_700_000_001_000).toISOString()}&to=${new Date(1_700_000_003_000).toISOString()}`,
  )
  t.deepEqual(
    ranged.json().orders.map((o: { orderId: string }) => o.orderId),
    [nameUuid('o2'), nameUuid('o1')],
  )
  const badCursor = await get('cursor=abc')
  t.is(badCursor.statusCode, 400)
  t.is(badCursor.json().message, 'querystring/cursor is not a cursor this API returned')
  const badRange = await get('from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z')
  t.is(badRange.statusCode, 400)
  t.regex(badRange.json().message, /querystring\/to must be after querystring\/from/)
  t.is((await get('limit=0')).statusCode, 400)
  t.is((await get('state=LOST')).statusCode, 400)
  const customer = await s.tokens.customer('farm-0002')
  const own = await get('', customer)
  t.true(own.json().orders.every((o: { customerId: string }) => o.customerId === 'farm-0002'))
  t.is(own.json().orders.length, 2)
  t.is((await get('customerId=farm-0001', customer)).statusCode, 403)
})

test('POST /orders/{id}/cancel: a CancelOrder command; unknown 404; a finished order 409', async (t) => {
  const s = await testServer(t)
  const id = nameUuid('order:farm-0001:c')
  s.views.putOrder(orderView(id, { state: 'CONFIRMED', version: 2 }))
  const res = await s.app.inject({
    method: 'POST',
    url: `/api/v1/orders/${id}/cancel`,
    headers: { ...s.bearer(s.tokens.staff), ...json },
    payload: { note: 'changed my mind' },
  })
  t.is(res.statusCode, 202, res.body)
  t.is(res.json().orderId, id)
  const commands = await s.orderCommands()
  t.is(commands.length, 1)
  t.is(commands[0]?.key, id)
  t.deepEqual(plain(commands[0]?.value.payload), {
    'dev.oxagry.orders.CancelOrder': { note: 'changed my mind' },
  })
  t.is(commands[0]?.value.commandId, res.json().commandId)
  const noBody = await s.app.inject({
    method: 'POST',
    url: `/api/v1/orders/${id}/cancel`,
    headers: s.bearer(s.tokens.staff),
  })
  t.is(noBody.statusCode, 202, noBody.body)
  const unknown = await s.app.inject({
    method: 'POST',
    url: `/api/v1/orders/${nameUuid('x')}/cancel`,
    headers: s.bearer(s.tokens.staff),
  })
  t.is(unknown.statusCode, 404)
  s.views.putOrder(orderView(id, { state: 'COMPLETED', version: 5 }))
  const done = await s.app.inject({
    method: 'POST',
    url: `/api/v1/orders/${id}/cancel`,
    headers: s.bearer(s.tokens.staff),
  })
  t.is(done.statusCode, 409)
  t.is((await s.orderCommands()).length, 2)
})

test('POST /orders/{id}/refund: operators only, a reason required, a completed order only', async (t) => {
  const s = await testServer(t)
  const id = nameUuid('order:farm-0001:r')
  s.views.putOrder(orderView(id, { state: 'COMPLETED', version: 4 }))
  const refund = (token: string, payload: unknown) =>
    s.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/refund`,
      headers: { ...s.bearer(token), ...json },
      payload: JSON.stringify(payload),
    })
  t.is((await refund(s.tokens.staff, { reason: 'damaged' })).statusCode, 403)
  const noReason = await refund(s.tokens.operator, {})
  t.is(noReason.statusCode, 400)
  t.regex(noReason.json().message, /body must have required property 'reason'/)
  const ok = await refund(s.tokens.operator, { reason: 'bags arrived torn' })
  t.is(ok.statusCode, 202)
  const commands = await s.orderCommands()
  t.deepEqual(plain(commands[0]?.value.payload), {
    'dev.oxagry.orders.RefundOrder': { reason: 'bags arrived torn' },
  })
  s.views.putOrder(orderView(id, { state: 'CANCELLED', version: 9 }))
  t.is((await refund(s.tokens.operator, { reason: 'again' })).statusCode, 409)
  t.is((await s.orderCommands()).length, 1)
})

test('GET /orders/{id}/payments and /payments/{id}: oldest first; unknown 404; another customer’s 404', async (t) => {
  const s = await testServer(t)
  const id = nameUuid('order:farm-0001:p')
  s.views.putOrder(orderView(id))
  const [p1, p2] = [nameUuid('pay-1'), nameUuid('pay-2')]
  s.views.putPayment(paymentView(p2, id, { createdAt: 1_700_000_002_000, state: 'CAPTURED' }))
  s.views.putPayment(
    paymentView(p1, id, { createdAt: 1_700_000_001_000, state: 'FAILED', failureReason: 'declined' }),
  )
  const list = await s.app.inject({
    url: `/api/v1/orders/${id}/payments`,
    headers: s.bearer(s.tokens.reader),
  })
  t.is(list.statusCode, 200)
  t.deepEqual(
    list.json().payments.map((p: { paymentId: string; state: string }) => [p.paymentId, p.state]),
    [
      [p1, 'FAILED'],
      [p2, 'CAPTURED'],
    ],
  )
  t.is(list.json().payments[0].createdAt, '2023-11-14T22:13:21.000Z')
  t.is(
    (
      await s.app.inject({
        url: `/api/v1/orders/${nameUuid('q')}/payments`,
        headers: s.bearer(s.tokens.reader),
      })
    ).statusCode,
    404,
  )
  const one = await s.app.inject({ url: `/api/v1/payments/${p2}`, headers: s.bearer(s.tokens.reader) })
  t.is(one.statusCode, 200)
  t.like(one.json(), { paymentId: p2, orderId: id, state: 'CAPTURED', amountMinor: 2500 })
  t.is(one.json().version, undefined)
  t.is(
    (await s.app.inject({ url: `/api/v1/payments/${nameUuid('q')}`, headers: s.bearer(s.tokens.reader) }))
      .statusCode,
    404,
  )
  const stranger = await s.tokens.customer('farm-0999')
  t.is((await s.app.inject({ url: `/api/v1/payments/${p2}`, headers: s.bearer(stranger) })).statusCode, 404)
  t.is(
    (await s.app.inject({ url: '/api/v1/payments/nope', headers: s.bearer(s.tokens.reader) })).statusCode,
    400,
  )
})

test('one error shape: 405 with Allow, a body where none is taken 413, unknown route 404', async (t) => {
  const s = await testServer(t)
  const put = await s.app.inject({ method: 'PUT', url: '/api/v1/orders', headers: s.bearer(s.tokens.staff) })
  t.is(put.statusCode, 405)
  t.is(put.headers.allow, 'GET, HEAD, POST')
  t.deepEqual(Object.keys(put.json()).sort(), ['code', 'message', 'statusCode'])
  const body = await s.app.inject({
    method: 'GET',
    url: '/api/v1/inventory/low-stock',
    headers: { ...s.bearer(s.tokens.reader), ...json },
    payload: '{}',
  })
  t.is(body.statusCode, 413)
  const none = await s.app.inject({ url: '/api/v1/nothing', headers: s.bearer(s.tokens.reader) })
  t.is(none.statusCode, 404)
  t.is(none.json().code, 'OXA_API_NOT_FOUND')
})

test('GET /orders/{id}?waitFor over a real connection waits until the view shows the state', async (t) => {
  const s = await testServer(t, { plugin: { pollMs: 10 } })
  const address = await s.app.listen({ port: 0, host: '127.0.0.1' })
  const id = nameUuid('order:farm-0001:socket')
  s.views.putOrder(orderView(id))
  setTimeout(() => s.views.putOrder(orderView(id, { state: 'CONFIRMED', version: 2 })), 300)
  const started = Date.now()
  const res = await fetch(`${address}/api/v1/orders/${id}?waitFor=CONFIRMED&timeoutMs=5000`, {
    headers: s.bearer(s.tokens.reader),
  })
  t.is(res.status, 200)
  t.is(res.headers.get('oxagry-wait'), 'satisfied')
  t.is(((await res.json()) as { state: string }).state, 'CONFIRMED')
  t.true(Date.now() - started >= 250, 'it waited for the change')
})
