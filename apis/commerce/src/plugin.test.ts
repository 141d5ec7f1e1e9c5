import test from 'ava'
import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import { createApiServer } from '@oxagry/api-http'
import { InMemorySchemaRegistry, nameUuid } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { IdempotencyDigests, bodyDigest } from './idempotency.ts'
import { OrderStatusBroadcast } from './live/feed.ts'
import { commerceApi } from './plugin.ts'
import { commerceTestAuth, InMemoryCommerceViews, orderView } from './testing.ts'
import { testServer } from './test-server.ts'
import { waitOver } from './wait.ts'
import { createCommerceWriter } from './writer.ts'

test('on a host whose access table asks another scope for /api/v1/ (the fleet API), commerce routes keep theirs', async (t) => {
  const auth = await commerceTestAuth()
  const { app } = await createApiServer({
    title: 'host',
    description: 'a host API',
    scopeNote: '',
    access: [['/api/v1/', { scopes: ['fleet:read'] }]],
    wsMaxPayload: 1024,
    auth: auth.settings,
  })
  const views = new InMemoryCommerceViews()
  const writer = await createCommerceWriter({
    backend: new MemoryBackend(new MemoryBroker()),
    registry: new InMemorySchemaRegistry(),
    autoRegister: true,
  })
  await app.register(commerceApi, {
    orders: views,
    stock: views,
    reservations: views,
    writer,
    feed: new OrderStatusBroadcast(),
  })
  t.teardown(async () => {
    await app.close()
    await writer.close()
  })
  const id = nameUuid('hosted')
  views.putOrder(orderView(id))
  const get = async (scopes: string[]) =>
    app.inject({
      url: `/api/v1/orders/${id}`,
      headers: { authorization: `Bearer ${await auth.token(scopes)}` },
    })
  t.is((await get([COMMERCE_SCOPES.read])).statusCode, 200)
  const fleetOnly = await get(['fleet:read'])
  t.is(fleetOnly.statusCode, 403)
  t.deepEqual(Object.keys(fleetOnly.json()).sort(), ['code', 'message', 'statusCode'])
})

test('OpenAPI at /docs documents every commerce operation with its responses and the one error schema', async (t) => {
  const s = await testServer(t)
  const res = await s.app.inject('/docs/json')
  t.is(res.statusCode, 200)
  const doc = res.json() as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    components: { schemas: Record<string, unknown> }
  }
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  )
  for (const op of [
    'POST /api/v1/orders',
    'GET /api/v1/orders',
    'GET /api/v1/orders/{id}',
    'POST /api/v1/orders/{id}/cancel',
    'POST /api/v1/orders/{id}/refund',
    'GET /api/v1/orders/{id}/payments',
    'GET /api/v1/payments/{id}',
    'GET /api/v1/inventory/stock',
    'GET /api/v1/inventory/low-stock',
    'GET /api/v1/inventory/reservations',
    'POST /api/v1/inventory/adjustments',
  ])
    t.true(operations.includes(op), `${op} in ${operations.join(', ')}`)
  t.truthy(doc.paths['/api/v1/orders']?.post?.responses['202'])
  t.truthy(doc.paths['/api/v1/orders']?.post?.responses['409'])
  t.truthy(doc.components.schemas.ApiError)
  const reservations = doc.paths['/api/v1/inventory/reservations']?.get?.responses
  t.truthy(reservations?.['200'])
  t.truthy(reservations?.['400'])
})

test('the digest store refuses a known key with another body, forgets its oldest keys past its capacity', (t) => {
  const digests = new IdempotencyDigests(2)
  digests.claim('a', bodyDigest({ x: 1, y: [1, 2] }), 'order a')
  t.notThrows(
    () => digests.claim('a', bodyDigest({ y: [1, 2], x: 1 }), 'order a'),
    'key order does not matter',
  )
  t.throws(() => digests.claim('a', bodyDigest({ x: 2 }), 'order a'), { message: /already used for order a/ })
  digests.claim('b', 'd-b', 'b')
  digests.claim('c', 'd-c', 'c')
  t.is(digests.size, 2)
  t.notThrows(() => digests.claim('a', 'anything', 'order a'), 'a was forgotten')
})

test('a wait is over at the state, past it, or at an end that cannot reach it', (t) => {
  const o = (state: 'PLACED' | 'CONFIRMED' | 'CANCELLED' | 'COMPLETED') => orderView(nameUuid('w'), { state })
  t.false(waitOver(o('PLACED'), 'decision'))
  t.true(waitOver(o('CONFIRMED'), 'decision'))
  t.true(waitOver(o('CANCELLED'), 'decision'))
  t.false(waitOver(o('PLACED'), 'CONFIRMED'))
  t.true(waitOver(o('COMPLETED'), 'CONFIRMED'))
  t.true(waitOver(o('CANCELLED'), 'CONFIRMED'))
  t.false(waitOver(o('CONFIRMED'), 'COMPLETED'))
  t.true(waitOver(o('PLACED'), 'PLACED'))
})
