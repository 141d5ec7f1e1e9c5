import test from 'ava'
import { buildApp } from './app.ts'
import { LatestPositions } from './live/latest-positions.ts'
import type { HistoryQueries } from './ports.ts'
import { InMemoryMachines, noGeofences, position } from './testing.ts'

async function app(t: { teardown(fn: () => Promise<void>): void }, history?: HistoryQueries) {
  const feed = new LatestPositions()
  feed.publish(position('MF-1', { latitude: 41.95, longitude: -93.65 }))
  feed.publish(position('MF-2', { engineState: 'OFF', speedKmh: 0, latitude: 41.5 }))
  feed.publish(position('MF-3', { engineState: 'IDLE', speedKmh: 0 }))
  const calls: unknown[][] = []
  const built = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: history ?? {
      track: async (...args) => {
        calls.push(args)
        return [{ eventTime: 1_700_000_000_000, latitude: 41.9, longitude: -93.6, speedKmh: 10 }]
      },
      trips: async () => [],
    },
    geofences: noGeofences,
    feed,
  })
  t.teardown(() => built.app.close())
  return { ...built, feed, calls }
}

test('GET /api/v1/machines lists machines with status, filtered and paginated', async (t) => {
  const { app: server } = await app(t)
  const all = await server.inject('/api/v1/machines?limit=2')
  t.is(all.statusCode, 200)
  const page = all.json<{ machines: { machineId: string; status: string }[]; nextCursor?: string }>()
  t.deepEqual(
    page.machines.map((m) => m.machineId),
    ['MF-1', 'MF-2'],
  )
  t.is(page.nextCursor, 'MF-2')
  const next = (await server.inject(`/api/v1/machines?limit=2&cursor=${page.nextCursor}`)).json<{
    machines: { machineId: string }[]
  }>()
  t.deepEqual(
    next.machines.map((m) => m.machineId),
    ['MF-3'],
  )
  const off = (await server.inject('/api/v1/machines?status=off')).json<{
    machines: { machineId: string; status: string }[]
  }>()
  t.deepEqual(
    off.machines.map((m) => [m.machineId, m.status]),
    [['MF-2', 'off']],
  )
  const boxed = (await server.inject('/api/v1/machines?minLat=41.8&maxLat=42&minLon=-94&maxLon=-93')).json<{
    machines: unknown[]
  }>()
  t.is(boxed.machines.length, 2)
})

test('a bad request gets a 400 naming the field', async (t) => {
  const { app: server } = await app(t)
  const cases: [string, RegExp][] = [
    ['/api/v1/machines?limit=0', /querystring\/limit must be >= 1/],
    ['/api/v1/machines?status=flying', /querystring\/status must be equal to one of the allowed values/],
    [
      '/api/v1/machines?minLat=1',
      /querystring must have properties maxLat, minLon, maxLon when property minLat is present/,
    ],
    [
      '/api/v1/machines?minLat=5&maxLat=1&minLon=0&maxLon=1',
      /querystring\/minLat must not be greater than querystring\/maxLat/,
    ],
    [
      '/api/v1/machines/MF-1/track?from=yesterday&to=2024-01-01T00:00:00Z',
      /querystring\/from must match format "date-time"/,
    ],
    [
      '/api/v1/machines/MF-1/track?from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z',
      /querystring\/to must be after querystring\/from/,
    ],
    ['/api/v1/machines/MF-1/track?to=2024-01-01T00:00:00Z', /querystring must have required property 'from'/],
    ['/api/v1/machines/bad%20id', /params\/id must match pattern/],
  ]
  for (const [url, message] of cases) {
    const response = await server.inject(url)
    t.is(response.statusCode, 400, url)
    t.regex(response.json<{ message: string }>().message, message, url)
    t.is(response.json<{ code: string }>().code, 'OXA_API_BAD_REQUEST')
  }
})

test('GET /api/v1/machines/:id answers the machine or 404', async (t) => {
  const { app: server } = await app(t)
  const found = await server.inject('/api/v1/machines/MF-3')
  t.is(found.json<{ status: string }>().status, 'idle')
  t.is(found.json<{ eventTime: string }>().eventTime, '2023-11-14T22:13:20.000Z')
  const missing = await server.inject('/api/v1/machines/MF-404')
  t.is(missing.statusCode, 404)
  t.is(missing.json<{ code: string }>().code, 'OXA_API_NOT_FOUND')
})

test('track and trips pass the validated range to ClickHouse queries', async (t) => {
  const { app: server, calls } = await app(t)
  const response = await server.inject(
    '/api/v1/machines/MF-1/track?from=2023-11-14T00:00:00Z&to=2023-11-15T00:00:00Z&limit=50',
  )
  t.is(response.statusCode, 200)
  t.deepEqual(calls, [['MF-1', Date.parse('2023-11-14T00:00:00Z'), Date.parse('2023-11-15T00:00:00Z'), 50]])
  t.is(response.json<{ points: { eventTime: string }[] }>().points[0]?.eventTime, '2023-11-14T22:13:20.000Z')
})

test('OpenAPI is served at /docs, health and metrics at their paths', async (t) => {
  const { app: server } = await app(t)
  const spec = await server.inject('/docs/json')
  t.is(spec.statusCode, 200)
  const paths = Object.keys(spec.json<{ paths: Record<string, unknown> }>().paths)
  t.true(paths.includes('/api/v1/machines/{id}/track'))
  t.is((await server.inject('/docs/')).statusCode, 200)
  t.is((await server.inject('/health/live')).statusCode, 200)
  t.is((await server.inject('/health/ready')).statusCode, 200)
  t.regex((await server.inject('/metrics')).body, /oxagry_api_ws_clients 0/)
  const map = await server.inject('/map/')
  t.is(map.statusCode, 200)
  t.regex(map.body, /<canvas id="map"/)
})
