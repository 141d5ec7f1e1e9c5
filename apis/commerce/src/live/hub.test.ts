import type { AddressInfo } from 'node:net'
import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import WebSocket from 'ws'
import { statusOf } from './feed.ts'
import type { ServerMessage } from './messages.ts'
import { orderView } from '../testing.ts'
import { testServer } from '../test-server.ts'

async function listening(t: Parameters<typeof testServer>[0], live = {}) {
  const s = await testServer(t, { plugin: { live } })
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  return { ...s, url: `ws://127.0.0.1:${port}/ws/orders` }
}

/** A client that records every frame and can wait for the next of a type. */
async function client(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
  const messages: ServerMessage[] = []
  const waiters: { type: string; resolve: (m: ServerMessage) => void }[] = []
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage
    messages.push(message)
    const at = waiters.findIndex((w) => w.type === message.type)
    if (at >= 0) waiters.splice(at, 1)[0]?.resolve(message)
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    next: <T extends ServerMessage['type']>(type: T) =>
      new Promise<Extract<ServerMessage, { type: T }>>((resolve) =>
        waiters.push({ type, resolve: resolve as (m: ServerMessage) => void }),
      ),
    send: (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
  }
}

const ids = (m: { orders: readonly { orderId: string }[] }) => m.orders.map((o) => o.orderId)

test("a customer subscription gets a snapshot of the customer's orders, then their status changes only", async (t) => {
  const s = await listening(t)
  const [mine, older, theirs] = [nameUuid('w1'), nameUuid('w2'), nameUuid('w3')]
  s.views.putOrder(orderView(mine, { placedAt: 1_700_000_002_000 }))
  s.views.putOrder(orderView(older, { placedAt: 1_700_000_001_000 }))
  s.views.putOrder(orderView(theirs, { customerId: 'farm-0002' }))
  const c = await client(s.url, s.tokens.reader)
  const subscribed = c.next('subscribed')
  const snapshot = c.next('snapshot')
  c.send({ type: 'subscribe', customerId: 'farm-0001' })
  t.deepEqual(await subscribed, { type: 'subscribed', customerId: 'farm-0001', orderIds: null })
  t.deepEqual(ids(await snapshot), [mine, older])
  const update = c.next('update')
  s.feed.publish(statusOf(orderView(theirs, { customerId: 'farm-0002', state: 'CONFIRMED', version: 3 })))
  s.feed.publish(statusOf(orderView(mine, { state: 'CONFIRMED', paymentState: 'AUTHORISED', version: 3 })))
  const got = await update
  t.deepEqual(ids(got), [mine])
  t.like(got.orders[0], {
    state: 'CONFIRMED',
    paymentState: 'AUTHORISED',
    placedAt: '2023-11-14T22:13:20.000Z',
  })
  const metrics = (await s.app.inject({ url: '/metrics', headers: s.bearer(s.tokens.ops) })).body
  t.regex(metrics, /oxagry_api_orders_ws_clients 1/)
  t.regex(metrics, /oxagry_api_orders_ws_sent 1/)
  c.ws.close()
})

test('an order-id subscription gets the newest change per order per flush; a stale version is not sent', async (t) => {
  const s = await listening(t, { flushIntervalMs: 200 })
  const [a, b] = [nameUuid('i1'), nameUuid('i2')]
  s.views.putOrder(orderView(a))
  const c = await client(s.url, s.tokens.reader)
  const snapshot = c.next('snapshot')
  c.send({ type: 'subscribe', orderIds: [a, b] })
  t.deepEqual(ids(await snapshot), [a], 'an order not in the view yet is not in the snapshot')
  const update = c.next('update')
  s.feed.publish(statusOf(orderView(a, { state: 'CONFIRMED', version: 3 })))
  s.feed.publish(statusOf(orderView(a, { state: 'COMPLETED', version: 5 })))
  s.feed.publish(statusOf(orderView(a, { state: 'CONFIRMED', version: 4 })))
  s.feed.publish(statusOf(orderView(b, { state: 'CANCELLED', version: 2 })))
  s.feed.publish(statusOf(orderView(nameUuid('other'), { version: 1 })))
  const got = await update
  t.deepEqual(
    got.orders.map((o) => [o.orderId, o.state, o.version]),
    [
      [a, 'COMPLETED', 5],
      [b, 'CANCELLED', 2],
    ],
  )
  c.ws.close()
})

test("a customer's token follows its own orders only; bad messages get error frames and the socket stays open", async (t) => {
  const s = await listening(t)
  const [mine, theirs] = [nameUuid('c1'), nameUuid('c2')]
  s.views.putOrder(orderView(mine, { customerId: 'farm-0007' }))
  s.views.putOrder(orderView(theirs, { customerId: 'farm-0008' }))
  const c = await client(s.url, await s.tokens.customer('farm-0007'))
  const forbidden = c.next('error')
  c.send({ type: 'subscribe', customerId: 'farm-0008' })
  t.like(await forbidden, { code: 'FORBIDDEN' })
  const snapshot = c.next('snapshot')
  c.send({ type: 'subscribe', orderIds: [mine, theirs] })
  t.deepEqual(ids(await snapshot), [mine], "another customer's order is left out")
  const update = c.next('update')
  s.feed.publish(statusOf(orderView(theirs, { customerId: 'farm-0008', version: 9 })))
  s.feed.publish(statusOf(orderView(mine, { customerId: 'farm-0007', state: 'CONFIRMED', version: 2 })))
  t.deepEqual(ids(await update), [mine])
  const errors: [unknown, RegExp][] = [
    ['not json', /must be JSON/],
    [{ type: 'subscribe' }, /exactly one of \/customerId and \/orderIds/],
    [{ type: 'subscribe', orderIds: ['x'] }, /\/orderIds\/0 must match pattern/],
    [{ type: 'subscribe', customerId: 'a', orderIds: [mine] }, /exactly one of/],
    [{ type: 'dance' }, /\/type must be one of subscribe, unsubscribe, ping/],
  ]
  for (const [message, expected] of errors) {
    const error = c.next('error')
    c.send(message)
    t.regex((await error).message, expected)
  }
  const pong = c.next('pong')
  c.send({ type: 'ping' })
  t.is((await pong).type, 'pong')
  t.is(c.ws.readyState, WebSocket.OPEN)
  c.ws.close()
})

test('the feed needs a token with commerce:read; a client over the message rate is closed with 1008', async (t) => {
  const s = await listening(t, { messagesPerSecond: 5, messageBurst: 5 })
  const refused = new WebSocket(s.url)
  const status = await new Promise<number | undefined>((resolve) => {
    refused.once('unexpected-response', (_req, res) => resolve(res.statusCode))
    refused.once('open', () => resolve(undefined))
  })
  t.is(status, 401)
  const c = await client(s.url, s.tokens.reader)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    c.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  for (let i = 0; i < 30; i++) c.send({ type: 'ping' })
  t.deepEqual(await closed, { code: 1008, reason: 'rate limit: at most 5 messages a second' })
})
