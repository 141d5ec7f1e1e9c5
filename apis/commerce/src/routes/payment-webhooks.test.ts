import test from 'ava'
import { nameUuid } from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '@oxagry/payment-webhooks'
import { CHECKOUT, testServer } from '../test-server.ts'
import { unreachableProducers } from '../testing.ts'
import { resolveWebhooks } from '../options.ts'

const SECRET = 'whsec_route_test_0123456789'
const NOW = 1_700_000_500_000
const URL = '/api/v1/payments/webhooks/simulated'
const BODY = {
  id: 'sim_evt_0001',
  paymentId: nameUuid('payment:webhook-order:1'),
  orderId: nameUuid('order:farm-0001:webhook'),
  operation: 'authorise',
  outcome: 'approved',
  amountMinor: 6300,
  currency: 'EUR',
  reference: 'SIM-AUTH-1',
  expiresAt: NOW + 86_400_000,
  occurredAt: NOW - 1_000,
}
const webhooks = { secrets: { simulated: [SECRET] } }

function signed(body: object | string, options: { secret?: string; at?: number } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  return {
    payload: raw,
    headers: {
      'content-type': 'application/json',
      [WEBHOOK_SIGNATURE_HEADER]: signWebhook(
        options.secret ?? SECRET,
        raw,
        Math.floor((options.at ?? NOW) / 1000),
      ),
    },
  }
}

test('a signed notification is 202 with no token, and is one ProviderNotification keyed by order in the log', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const res = await s.app.inject({ method: 'POST', url: URL, ...signed(BODY) })
  t.is(res.statusCode, 202, res.body)
  t.deepEqual(res.json(), { status: 'accepted', notificationId: 'sim_evt_0001' })
  const written = await s.providerNotifications()
  t.is(written.length, 1)
  t.is(written[0]?.key, BODY.orderId)
  t.deepEqual(plain(written[0]?.value), {
    notificationId: 'sim_evt_0001',
    paymentId: BODY.paymentId,
    orderId: BODY.orderId,
    operation: 'AUTHORISE',
    occurredAt: BODY.occurredAt,
    payload: {
      'dev.oxagry.payments.ProviderOutcomeReported': {
        provider: 'simulated',
        approved: true,
        providerReference: 'SIM-AUTH-1',
        amountMinor: 6300,
        currency: 'EUR',
        expiresAt: BODY.expiresAt,
        failureReason: null,
        message: null,
        receivedAt: NOW,
      },
    },
  })
})

test('401 for a missing, malformed, stale, tampered or wrongly keyed signature; nothing written', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const good = signed(BODY)
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['missing', { 'content-type': 'application/json' }, good.payload, /SIGNATURE_MISSING/],
    [
      'malformed',
      { ...good.headers, [WEBHOOK_SIGNATURE_HEADER]: 'v1=abc' },
      good.payload,
      /SIGNATURE_MALFORMED/,
    ],
    ['stale', signed(BODY, { at: NOW - 301_000 }).headers, good.payload, /SIGNATURE_STALE/],
    ['tampered', good.headers, JSON.stringify({ ...BODY, amountMinor: 1 }), /SIGNATURE_MISMATCH/],
    [
      'other secret',
      signed(BODY, { secret: 'whsec_another_0123456789' }).headers,
      good.payload,
      /SIGNATURE_MISMATCH/,
    ],
  ]
  for (const [what, headers, payload, code] of cases) {
    const res = await s.app.inject({ method: 'POST', url: URL, headers, payload })
    t.is(res.statusCode, 401, `${what}: ${res.body}`)
    t.is(res.json().code, 'OXA_API_UNAUTHORIZED', what)
    t.regex(res.json().message, code, what)
  }
  t.is((await s.providerNotifications()).length, 0)
})

test('a bad body, correctly signed, is 400 naming the field; a body that is not JSON is 400 too', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const cases: [object | string, RegExp][] = [
    [{ ...BODY, amountMinor: -5 }, /amountMinor/],
    [{ ...BODY, currency: 'euro' }, /currency/],
    [{ ...BODY, orderId: 'not-a-uuid' }, /orderId/],
    [{ ...BODY, outcome: 'declined' }, /reason/],
    [(({ paymentId: _p, ...rest }) => rest)(BODY), /paymentId/],
    ['{"id": ', /JSON/],
  ]
  for (const [body, field] of cases) {
    const res = await s.app.inject({ method: 'POST', url: URL, ...signed(body) })
    t.is(res.statusCode, 400, res.body)
    t.regex(res.json().message, field)
  }
  t.is((await s.providerNotifications()).length, 0)
})

test('404 for a provider without a secret; with no webhooks configured the route does not exist', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const other = await s.app.inject({
    method: 'POST',
    url: '/api/v1/payments/webhooks/stripe',
    ...signed(BODY),
  })
  t.is(other.statusCode, 404)
  t.regex(other.json().message, /stripe/)
  const off = await testServer(t)
  t.notRegex(off.app.printRoutes(), /webhooks/)
  const res = await off.app.inject({ method: 'POST', url: URL, ...signed(BODY) })
  t.not(res.statusCode, 202)
  t.is((await off.providerNotifications()).length, 0)
})

test('503 when the event log is unreachable, nothing written; the provider retries and then it is 202', async (t) => {
  let down = true
  const s = await testServer(t, { plugin: { webhooks }, backend: (b) => unreachableProducers(b, () => down) })
  const res = await s.app.inject({ method: 'POST', url: URL, ...signed(BODY) })
  t.is(res.statusCode, 503, res.body)
  t.is(res.json().code, 'OXA_API_UNAVAILABLE')
  t.is((await s.providerNotifications()).length, 0)
  down = false
  t.is((await s.app.inject({ method: 'POST', url: URL, ...signed(BODY) })).statusCode, 202)
})

test('the signature lets exactly the webhook through: every other route still needs a token', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const orders = await s.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': 'k',
      [WEBHOOK_SIGNATURE_HEADER]: signed(CHECKOUT).headers[WEBHOOK_SIGNATURE_HEADER],
    },
    payload: CHECKOUT,
  })
  t.is(orders.statusCode, 401)
  t.regex(orders.json().message, /bearer token is required/)
  for (const [method, url] of [
    ['GET', `/api/v1/payments/${BODY.paymentId}`],
    ['GET', `/api/v1/orders/${BODY.orderId}/payments`],
    ['POST', `/api/v1/orders/${BODY.orderId}/cancel`],
    ['GET', '/api/v1/inventory/low-stock'],
  ] as const) {
    const res = await s.app.inject({ method, url })
    t.is(res.statusCode, 401, `${method} ${url}`)
  }
})

test('webhook options are checked once, every problem named', (t) => {
  const error = t.throws(() =>
    resolveWebhooks({ secrets: { Bad_Name: ['x'.repeat(20)], simulated: ['short'] }, toleranceSeconds: 0 }),
  )
  t.regex(error?.message ?? '', /Bad_Name/)
  t.regex(error?.message ?? '', /simulated: each secret must be at least 16/)
  t.regex(error?.message ?? '', /toleranceSeconds/)
  t.regex(t.throws(() => resolveWebhooks({ secrets: {} }))?.message ?? '', /at least one provider/)
  t.is(resolveWebhooks(undefined), undefined)
})

test('OpenAPI documents the webhook: no bearer security, the signature header, the body and every answer', async (t) => {
  const s = await testServer(t, { plugin: { webhooks } })
  const doc = (await s.app.inject({ url: '/docs/json' })).json<{
    paths: Record<string, Record<string, Record<string, unknown>>>
  }>()
  const op = doc.paths['/api/v1/payments/webhooks/{provider}']?.post as
    | {
        security?: unknown
        parameters?: { name: string; in: string }[]
        requestBody?: unknown
        responses: Record<string, unknown>
        description: string
      }
    | undefined
  t.truthy(op, Object.keys(doc.paths).join(', '))
  t.deepEqual(op!.security, [])
  t.deepEqual(Object.keys(op!.responses).sort(), ['202', '400', '401', '404', '413', '415', '429', '503'])
  t.true(op!.parameters?.some((p) => p.in === 'header' && p.name === WEBHOOK_SIGNATURE_HEADER))
  t.truthy(op!.requestBody)
  t.regex(op!.description, /HMAC-SHA256/)
})
