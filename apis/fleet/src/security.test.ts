import type { AddressInfo } from 'node:net'
import test from 'ava'
import WebSocket from 'ws'
import { buildApp, type AppOptions } from './app.ts'
import { ApiOptionsError } from '@oxagry/api-http'
import { LatestPositions } from './live/latest-positions.ts'
import { InMemoryMachines, noGeofences, noHistory, position, testAuth } from './testing.ts'

async function secured(t: { teardown(fn: () => Promise<void>): void }, more: Partial<AppOptions> = {}) {
  const auth = await testAuth()
  const feed = new LatestPositions()
  feed.publish(position('MF-1'))
  const { app } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: noGeofences,
    feed,
    auth: auth.settings,
    ...more,
  })
  t.teardown(() => app.close())
  return { app, auth }
}

const RANGE = 'from=2023-11-14T00:00:00Z&to=2023-11-15T00:00:00Z'
const API_ROUTES = [
  '/api/v1/machines',
  '/api/v1/machines/MF-1',
  `/api/v1/machines/MF-1/track?${RANGE}`,
  `/api/v1/machines/MF-1/trips?${RANGE}`,
  '/api/v1/geofences',
]

test('every API route needs a token with fleet:read, /metrics one with ops; the error is the one body', async (t) => {
  const { app, auth } = await secured(t)
  const reader = { authorization: `Bearer ${await auth.token(['fleet:read'])}` }
  const stranger = { authorization: `Bearer ${await auth.token(['orders:read'])}` }
  for (const url of API_ROUTES) {
    const anonymous = await app.inject(url)
    t.is(anonymous.statusCode, 401, url)
    t.deepEqual(anonymous.json(), {
      statusCode: 401,
      code: 'OXA_API_UNAUTHORIZED',
      message: 'a bearer token is required',
    })
    const wrongScope = await app.inject({ url, headers: stranger })
    t.is(wrongScope.statusCode, 403, url)
    t.is(wrongScope.json<{ code: string }>().code, 'OXA_API_FORBIDDEN')
    t.is((await app.inject({ url, headers: reader })).statusCode, 200, url)
  }
  t.is((await app.inject({ url: '/metrics', headers: reader })).statusCode, 403)
  const ops = { authorization: `Bearer ${await auth.token(['ops'])}` }
  t.is((await app.inject({ url: '/metrics', headers: ops })).statusCode, 200)
  // Probes, the map's files and the documentation are public.
  for (const url of [
    '/health/live',
    '/health/ready',
    '/map/',
    '/map/js/main.js',
    '/map/vendor/leaflet/leaflet.js',
    '/map/config.json',
    '/docs/json',
  ])
    t.is((await app.inject(url)).statusCode, 200, url)
})

test('the live feed needs a token (header or subprotocol) and refuses pages of foreign origins', async (t) => {
  const { app, auth } = await secured(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const url = `ws://127.0.0.1:${port}/ws/machines`
  const token = await auth.token(['fleet:read'])
  // ws leaves a refused handshake's request open for the caller to end.
  const refused = (ws: WebSocket) =>
    new Promise<number>((resolve) =>
      ws.once('unexpected-response', (request, response) => {
        request.destroy()
        resolve(response.statusCode ?? 0)
      }),
    )
  t.is(await refused(new WebSocket(url)), 401)
  t.is(await refused(new WebSocket(url, ['oxagry.bearer', await auth.token(['ops'])])), 403)
  t.is(
    await refused(new WebSocket(url, ['oxagry.bearer', token], { origin: 'https://evil.example.net' })),
    403,
  )
  const browser = new WebSocket(url, ['oxagry.bearer', token], { origin: `http://127.0.0.1:${port}` })
  await new Promise((resolve, reject) => {
    browser.once('open', resolve)
    browser.once('error', reject)
  })
  t.is(browser.protocol, 'oxagry.bearer')
  const snapshot = new Promise<string>((resolve) =>
    browser.once('message', (data) => resolve(data.toString())),
  )
  browser.send(JSON.stringify({ type: 'subscribe' }))
  t.regex(await snapshot, /"type":"subscribed"/)
  browser.close()
})

test('requests are rate-limited per token: the one over the limit is 429, another token is not', async (t) => {
  const { app, auth } = await secured(t, { security: { rateLimit: { max: 3, timeWindowMs: 60_000 } } })
  const first = { authorization: `Bearer ${await auth.token(['fleet:read'], { subject: 'first' })}` }
  const second = { authorization: `Bearer ${await auth.token(['fleet:read'], { subject: 'second' })}` }
  for (let i = 0; i < 3; i++)
    t.is((await app.inject({ url: '/api/v1/machines', headers: first })).statusCode, 200)
  const limited = await app.inject({ url: '/api/v1/machines', headers: first })
  t.is(limited.statusCode, 429)
  t.is(limited.json<{ code: string }>().code, 'OXA_API_RATE_LIMITED')
  t.truthy(limited.headers['retry-after'])
  t.is((await app.inject({ url: '/api/v1/machines', headers: second })).statusCode, 200)
})

test('CORS answers only the allow-listed origins; preflights need no token', async (t) => {
  const { app, auth } = await secured(t, { security: { allowedOrigins: ['https://dash.example.com'] } })
  const headers = { authorization: `Bearer ${await auth.token(['fleet:read'])}` }
  const allowed = await app.inject({
    url: '/api/v1/machines',
    headers: { ...headers, origin: 'https://dash.example.com' },
  })
  t.is(allowed.headers['access-control-allow-origin'], 'https://dash.example.com')
  const other = await app.inject({
    url: '/api/v1/machines',
    headers: { ...headers, origin: 'https://evil.example.net' },
  })
  t.is(other.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/v1/machines',
    headers: {
      origin: 'https://dash.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  })
  t.is(preflight.statusCode, 204)
  t.regex(String(preflight.headers['access-control-allow-headers']), /authorization/)
})

test('security headers: a CSP that allows only this server, which the map page loads from', async (t) => {
  const { app } = await secured(t)
  const page = await app.inject('/map/')
  const csp = String(page.headers['content-security-policy'])
  t.regex(csp, /default-src 'self'/)
  t.regex(csp, /script-src 'self'/)
  t.regex(csp, /connect-src 'self'/)
  t.regex(csp, /frame-ancestors 'none'/)
  t.is(page.headers['x-content-type-options'], 'nosniff')
  // What the page loads is same-origin and not inline, so the policy lets it run.
  t.notRegex(page.body, /<script>|style=|https?:\/\//)
})

test("security headers: the map's tiles load from the configured tile origin and nowhere else", async (t) => {
  const csp = async (urlTemplate: string | null): Promise<string> => {
    // Without /docs: Swagger UI's plugin is the slowest to start, and this builds five apps.
    const { app } = await secured(t, { map: { tiles: { urlTemplate } }, security: { exposeDocs: false } })
    return String((await app.inject('/map/')).headers['content-security-policy'])
  }
  t.regex(
    await csp('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
    /img-src 'self' data: https:\/\/tile\.openstreetmap\.org;/,
  )
  t.regex(
    await csp('https://{s}.tiles.example.com:8443/t/{z}/{x}/{y}.png'),
    /img-src 'self' data: https:\/\/\*\.tiles\.example\.com:8443;/,
  )
  t.regex(await csp(null), /img-src 'self' data:;/)
  // A plain-http tile server (one on the LAN) is asked over http, not upgraded to https.
  const plain = await csp('http://10.0.0.5:8090/{z}/{x}/{y}.png')
  t.regex(plain, /img-src 'self' data: http:\/\/10\.0\.0\.5:8090;/)
  t.notRegex(plain, /upgrade-insecure-requests/)
  t.regex(await csp('https://tile.openstreetmap.org/{z}/{x}/{y}.png'), /upgrade-insecure-requests/)
  // Everything else stays this server's own.
  const other = await csp('https://tiles.example.com/{z}/{x}/{y}.png')
  for (const directive of [
    "default-src 'self'",
    "connect-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
  ])
    t.true(other.split(';').includes(directive), directive)
})

test("the map's page gets the tile source from /map/config.json, and Leaflet from this server", async (t) => {
  const { app } = await secured(t, {
    map: {
      tiles: {
        urlTemplate: 'https://tiles.example.com/{z}/{x}/{y}.png',
        attribution: '© Example',
        maxZoom: 17,
      },
    },
  })
  const config = await app.inject('/map/config.json')
  t.is(config.statusCode, 200)
  t.deepEqual(config.json(), {
    tiles: {
      urlTemplate: 'https://tiles.example.com/{z}/{x}/{y}.png',
      attribution: '© Example',
      subdomains: ['a', 'b', 'c'],
      maxZoom: 17,
    },
  })
  const leaflet = await app.inject('/map/vendor/leaflet/leaflet.js')
  t.is(leaflet.statusCode, 200)
  t.regex(leaflet.body, /Leaflet 1\.9/)
  t.is((await app.inject('/map/vendor/leaflet/leaflet.css')).statusCode, 200)
  // Only the built files: not the sources, source maps or anything else of the package.
  for (const path of ['leaflet-src.js', 'leaflet.js.map', '../package.json', '%2e%2e/package.json'])
    t.is((await app.inject(`/map/vendor/leaflet/${path}`)).statusCode, 404, path)
})

test('a tile source that does not validate is refused when the app is built, every problem named', async (t) => {
  const feed = new LatestPositions()
  const base = {
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: noGeofences,
    feed,
  }
  const error = await t.throwsAsync(
    buildApp({ ...base, map: { tiles: { urlTemplate: 'javascript:alert(1)//{z}', maxZoom: 40 } } }),
    { instanceOf: ApiOptionsError },
  )
  t.deepEqual(error?.problems, [
    'map.tiles.urlTemplate must contain {x}',
    'map.tiles.urlTemplate must contain {y}',
    'map.tiles.urlTemplate must be an http(s) URL whose host has {s} only as its leftmost label, got javascript:alert(1)//{z}',
    'map.tiles.maxZoom must be an integer from 1 to 24, got 40',
  ])
})

test('/metrics and /docs can be switched off', async (t) => {
  const { app, auth } = await secured(t, { security: { exposeMetrics: false, exposeDocs: false } })
  const ops = { authorization: `Bearer ${await auth.token(['ops'])}` }
  t.is((await app.inject({ url: '/metrics', headers: ops })).statusCode, 404)
  t.is((await app.inject({ url: '/docs/json', headers: ops })).statusCode, 404)
})

test('the OpenAPI document declares the bearer scheme and the 401/403/429 answers', async (t) => {
  const { app } = await secured(t)
  const spec = (await app.inject('/docs/json')).json<{
    security: unknown
    components: { securitySchemes: Record<string, unknown> }
    paths: Record<string, { get: { responses: Record<string, unknown> } }>
  }>()
  t.deepEqual(spec.security, [{ bearer: [] }])
  t.deepEqual(spec.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
  for (const path of Object.keys(spec.paths))
    for (const status of ['401', '403', '429'])
      t.truthy(spec.paths[path]?.get.responses[status], `${path} ${status}`)
})

test('without auth settings authentication is off and the app serves in-process and loopback callers', async (t) => {
  const feed = new LatestPositions()
  const { app } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: noHistory,
    geofences: noGeofences,
    feed,
  })
  t.teardown(() => app.close())
  t.is((await app.inject('/api/v1/machines')).statusCode, 200)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  t.is((await fetch(`http://127.0.0.1:${port}/api/v1/machines`)).status, 200)
})
