import test from 'ava'
import type { CustomerId, Notification } from '@oxagry/avro'
import { MemoryNotificationView } from '@oxagry/sink'
import { testServer } from '../test-server.ts'

const T0 = 1_700_000_000_000

function notification(n: number, customer = 'farm-0001'): Notification {
  return {
    notificationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    recipientId: customer,
    customerId: customer as CustomerId,
    channel: n % 2 === 0 ? 'SMS' : 'EMAIL',
    address: 'hidden@example.invalid',
    template: 'ORDER_CONFIRMED',
    subject: 'Your order is confirmed',
    body: `order ${n} is confirmed`,
    reference: `order:${n}`,
    sourceEventId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    occurredAt: T0,
    createdAt: T0 + n * 1000,
    heldUntil: n === 2 ? T0 + 3_600_000 : null,
  }
}

async function server(t: Parameters<typeof testServer>[0]) {
  const view = new MemoryNotificationView()
  for (const n of [1, 2, 3]) view.applyNotification(notification(n))
  view.applyNotification(notification(4, 'farm-0002'))
  view.applyDelivery({
    notificationId: notification(3).notificationId,
    recipientId: 'farm-0001',
    channel: 'EMAIL',
    status: 'SENT',
    providerReference: 'sim-1',
    reason: null,
    attempts: 1,
    at: T0 + 5000,
  })
  return testServer(t, { plugin: { notifications: view } })
}

test('GET /customers/{id}/notifications: newest first, state and times as ISO 8601, no address; paged', async (t) => {
  const s = await server(t)
  const url = '/api/v1/customers/farm-0001/notifications'
  const first = await s.app.inject({ url: `${url}?limit=2`, headers: s.bearer(s.tokens.reader) })
  t.is(first.statusCode, 200)
  const body = first.json()
  t.deepEqual(body.notifications[0], {
    notificationId: notification(3).notificationId,
    channel: 'EMAIL',
    template: 'ORDER_CONFIRMED',
    subject: 'Your order is confirmed',
    body: 'order 3 is confirmed',
    reference: 'order:3',
    occurredAt: '2023-11-14T22:13:20.000Z',
    createdAt: '2023-11-14T22:13:23.000Z',
    heldUntil: null,
    state: 'SENT',
    deliveredAt: '2023-11-14T22:13:25.000Z',
    failureReason: null,
  })
  t.like(body.notifications[1], { state: 'PENDING', channel: 'SMS', heldUntil: '2023-11-14T23:13:20.000Z' })
  const second = await s.app.inject({
    url: `${url}?limit=2&cursor=${body.nextCursor}`,
    headers: s.bearer(s.tokens.reader),
  })
  t.deepEqual(
    second.json().notifications.map((n: { reference: string }) => n.reference),
    ['order:1'],
  )
  t.is(second.json().nextCursor, undefined)
})

test("a customer's token reads its own notifications only; another customer's is 403", async (t) => {
  const s = await server(t)
  const own = await s.app.inject({
    url: '/api/v1/customers/farm-0002/notifications',
    headers: s.bearer(await s.tokens.customer('farm-0002')),
  })
  t.is(own.statusCode, 200)
  t.is(own.json().notifications.length, 1)
  const other = await s.app.inject({
    url: '/api/v1/customers/farm-0001/notifications',
    headers: s.bearer(await s.tokens.customer('farm-0002')),
  })
  t.is(other.statusCode, 403)
  const anonymous = await s.app.inject({ url: '/api/v1/customers/farm-0001/notifications' })
  t.is(anonymous.statusCode, 401)
})

test('bad requests are 400s naming the field', async (t) => {
  const s = await server(t)
  const get = (query: string, customer = 'farm-0001') =>
    s.app.inject({
      url: `/api/v1/customers/${customer}/notifications?${query}`,
      headers: s.bearer(s.tokens.reader),
    })
  const cases: [string, string, RegExp][] = [
    ['limit=0', 'farm-0001', /querystring\/limit/],
    ['limit=abc', 'farm-0001', /querystring\/limit/],
    ['cursor=forged', 'farm-0001', /querystring\/cursor/],
    ['colour=red', 'farm-0001', /querystring must NOT have additional properties/],
    ['', 'bad%20id', /params\/customerId/],
  ]
  for (const [query, customer, message] of cases) {
    const res = await get(query, customer)
    t.is(res.statusCode, 400, query)
    t.is(res.json().code, 'OXA_API_BAD_REQUEST')
    t.regex(res.json().message, message, query)
  }
})

test('without a notifications view the route is not served', async (t) => {
  const s = await testServer(t)
  const res = await s.app.inject({
    url: '/api/v1/customers/farm-0001/notifications',
    headers: s.bearer(s.tokens.reader),
  })
  t.is(res.statusCode, 404)
})

test('OpenAPI documents the route with its parameters and answers', async (t) => {
  const s = await server(t)
  const doc = (await s.app.inject({ url: '/docs/json' })).json<{
    paths: Record<
      string,
      Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>
    >
  }>()
  const op = doc.paths['/api/v1/customers/{customerId}/notifications']?.get
  t.truthy(op, Object.keys(doc.paths).join(', '))
  t.deepEqual(op!.parameters?.map((p) => p.name).sort(), ['cursor', 'customerId', 'limit'])
  t.deepEqual(Object.keys(op!.responses).sort(), ['200', '400', '401', '403', '429'])
})
