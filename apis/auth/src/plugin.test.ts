import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import test from 'ava'
import Fastify from 'fastify'
import { AuthError, AuthOptionsError } from './errors.ts'
import { createLocalKey, localAuthSettings, mintToken, type LocalKey } from './local-key.ts'
import { resolveAuthSettings, type AuthSettings } from './options.ts'
import { apiAuth, BEARER_SUBPROTOCOL, isLoopback, requireCustomer } from './plugin.ts'

const key = await createLocalKey()

/** A small API as the fleet and commerce APIs use the plugin: scopes per route, the customer check. */
async function api(
  t: { teardown(fn: () => Promise<void>): void },
  settings: AuthSettings = localAuthSettings(key),
) {
  const app = Fastify()
  app.setErrorHandler((error, _request, reply) =>
    error instanceof AuthError
      ? reply.status(error.statusCode).send({ code: error.code, message: error.message })
      : reply.status(500).send({ code: 'INTERNAL', message: String(error) }),
  )
  await app.register(apiAuth, { settings, allowedOrigins: ['https://dash.example.com'] })
  app.get('/health', { config: { public: true } }, async () => ({ ok: true }))
  app.get('/fleet', { config: { scopes: ['fleet:read'] } }, async (request) => ({
    subject: request.principal?.subject,
  }))
  app.get<{ Params: { customerId: string } }>(
    '/customers/:customerId/orders',
    { config: { scopes: ['orders:read'] } },
    async (request) => {
      requireCustomer(request, request.params.customerId)
      return { customer: request.params.customerId }
    },
  )
  t.teardown(() => app.close())
  return app
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

test('a route needs a valid token with its scopes; public routes need none', async (t) => {
  const app = await api(t)
  t.is((await app.inject('/health')).statusCode, 200)
  const none = await app.inject('/fleet')
  t.is(none.statusCode, 401)
  t.is(none.json<{ code: string }>().code, 'OXA_AUTH_MISSING_TOKEN')
  t.is(none.headers['www-authenticate'], 'Bearer')
  const reader = await mintToken(key, { subject: 'dash', scopes: ['fleet:read'] })
  const ok = await app.inject({ url: '/fleet', headers: bearer(reader) })
  t.is(ok.statusCode, 200)
  t.deepEqual(ok.json(), { subject: 'dash' })
  const other = await mintToken(key, { subject: 'shop', scopes: ['orders:read'] })
  const forbidden = await app.inject({ url: '/fleet', headers: bearer(other) })
  t.is(forbidden.statusCode, 403)
  t.is(forbidden.json<{ code: string }>().code, 'OXA_AUTH_INSUFFICIENT_SCOPE')
  t.regex(String(forbidden.headers['www-authenticate']), /insufficient_scope", scope="fleet:read"/)
})

test('tokens that do not verify are 401: another key, expired, wrong audience, garbage', async (t) => {
  const app = await api(t)
  const stranger: LocalKey = await createLocalKey()
  const expired = await mintToken(key, { subject: 'x', scopes: ['fleet:read'], ttlSec: 1 })
  await new Promise((r) => setTimeout(r, 1100))
  const wrongAudience = await mintToken(key, { subject: 'x', scopes: ['fleet:read'] })
  const strict = await api(t, {
    ...localAuthSettings(key),
    audience: 'another-api',
    clockToleranceSec: 0,
  } as AuthSettings)
  const cases: [typeof app, string][] = [
    [app, await mintToken(stranger, { subject: 'x', scopes: ['fleet:read'] })],
    [strict, expired],
    [strict, wrongAudience],
    [app, 'not.a.jwt'],
  ]
  for (const [server, token] of cases) {
    const response = await server.inject({ url: '/fleet', headers: bearer(token) })
    t.is(response.statusCode, 401)
    t.is(response.json<{ code: string }>().code, 'OXA_AUTH_INVALID_TOKEN')
    t.regex(String(response.headers['www-authenticate']), /invalid_token/)
  }
})

test('a token that verified is kept only until it expires: the same token is refused after its exp', async (t) => {
  const strict = await api(t, { ...localAuthSettings(key), clockToleranceSec: 0 } as AuthSettings)
  // Long enough for the first two requests on a loaded machine: with 1 s they could come after exp.
  const token = await mintToken(key, { subject: 'x', scopes: ['fleet:read'], ttlSec: 3 })
  t.is((await strict.inject({ url: '/fleet', headers: bearer(token) })).statusCode, 200)
  t.is((await strict.inject({ url: '/fleet', headers: bearer(token) })).statusCode, 200, 'kept')
  // exp is whole seconds: the token expires within 2-3 s of being minted.
  await new Promise((r) => setTimeout(r, 3100))
  const late = await strict.inject({ url: '/fleet', headers: bearer(token) })
  t.is(late.statusCode, 401)
  t.regex(late.json<{ message: string }>().message, /"exp" claim/)
})

test('the verified-token cache is checked once: a negative size or time to live is refused', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const error = await t.throwsAsync(
    async () => {
      await app.register(apiAuth, { settings: localAuthSettings(key), verifiedTokens: { max: -1 } })
      await app.ready()
    },
    { instanceOf: AuthOptionsError },
  )
  t.regex(error?.message ?? '', /verifiedTokens.max must be an integer >= 0, got -1/)
})

test("a customer's token reads only that customer's data; a staff token reads any", async (t) => {
  const app = await api(t)
  const customer = await mintToken(key, { subject: 'u1', scopes: ['orders:read'], customerId: 'C-1' })
  const staff = await mintToken(key, { subject: 'ops', scopes: ['orders:read'] })
  t.is((await app.inject({ url: '/customers/C-1/orders', headers: bearer(customer) })).statusCode, 200)
  const other = await app.inject({ url: '/customers/C-2/orders', headers: bearer(customer) })
  t.is(other.statusCode, 403)
  t.is(other.json<{ code: string }>().code, 'OXA_AUTH_OTHER_CUSTOMER')
  t.is((await app.inject({ url: '/customers/C-2/orders', headers: bearer(staff) })).statusCode, 200)
})

test("keys come from an OIDC provider's JWKS endpoint", async (t) => {
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(key.jwks))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => jwks.close(() => resolve())))
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`
  const app = await api(t, { ...localAuthSettings(key), jwks: { url } } as AuthSettings)
  const token = await mintToken(key, { subject: 'dash', scopes: ['fleet:read'] })
  t.is((await app.inject({ url: '/fleet', headers: bearer(token) })).statusCode, 200)
})

test('a JWKS endpoint that cannot be reached is 503 (try again), not 401 (bad token)', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const app = await api(t, { ...localAuthSettings(key), jwks: { url } } as AuthSettings)
  const token = await mintToken(key, { subject: 'dash', scopes: ['fleet:read'] })
  const response = await app.inject({ url: '/fleet', headers: bearer(token) })
  t.is(response.statusCode, 503)
  t.is(response.json<{ code: string }>().code, 'OXA_AUTH_UNAVAILABLE')
})

test('a WebSocket handshake carries its token as a subprotocol; a foreign Origin is refused', async (t) => {
  const app = await api(t)
  const token = await mintToken(key, { subject: 'map', scopes: ['fleet:read'] })
  const upgrade = { upgrade: 'websocket', connection: 'upgrade', host: 'api.example.com' }
  const viaProtocol = await app.inject({
    url: '/fleet',
    headers: { ...upgrade, 'sec-websocket-protocol': `${BEARER_SUBPROTOCOL}, ${token}` },
  })
  t.is(viaProtocol.statusCode, 200)
  for (const origin of ['https://evil.example.net', 'null']) {
    const foreign = await app.inject({ url: '/fleet', headers: { ...upgrade, ...bearer(token), origin } })
    t.is(foreign.statusCode, 403, origin)
    t.is(foreign.json<{ code: string }>().code, 'OXA_AUTH_ORIGIN')
  }
  for (const origin of ['https://api.example.com', 'https://dash.example.com'])
    t.is(
      (await app.inject({ url: '/fleet', headers: { ...upgrade, ...bearer(token), origin } })).statusCode,
      200,
      origin,
    )
})

test('with authentication off only loopback clients are served', async (t) => {
  const app = await api(t, { mode: 'off' })
  t.is((await app.inject('/fleet')).statusCode, 200)
  for (const address of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1'])
    t.true(isLoopback(address), address)
  for (const address of ['10.0.0.5', '0.0.0.0', '::', '::ffff:192.168.1.2', '2001:db8::1'])
    t.false(isLoopback(address), address)
})

test('settings are checked once: issuer, audience, a JWKS, asymmetric algorithms', (t) => {
  const error = t.throws(
    () =>
      resolveAuthSettings({
        mode: 'jwt',
        issuer: '',
        audience: '',
        jwks: { url: 'http://idp.example.com/jwks' },
        algorithms: ['HS256'],
      }),
    { instanceOf: AuthOptionsError },
  )
  t.deepEqual(error?.problems, [
    'auth.issuer is required',
    'auth.audience is required',
    'auth.jwks.url must be https (or on loopback), got http://idp.example.com/jwks',
    'auth.algorithms must be asymmetric (no none, no HS*)',
  ])
  t.is(resolveAuthSettings(localAuthSettings(key)).mode, 'jwt')
})
