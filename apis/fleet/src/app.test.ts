import { resolveListQuery } from '@oxagry/sink'
import test from 'ava'
import type { InjectOptions } from 'fastify'
import { buildApp } from './app.ts'
import { LatestPositions } from './live/latest-positions.ts'
import type { HistoryQueries, MachineQueries } from './ports.ts'
import { InMemoryMachines, noGeofences, position, testAuth } from './testing.ts'

async function app(
  t: { teardown(fn: () => Promise<void>): void },
  history?: HistoryQueries,
  machines?: (feed: LatestPositions) => MachineQueries,
) {
  const auth = await testAuth()
  const feed = new LatestPositions()
  feed.publish(position('MF-1', { latitude: 41.95, longitude: -93.65 }))
  feed.publish(position('MF-2', { engineState: 'OFF', speedKmh: 0, latitude: 41.5 }))
  feed.publish(position('MF-3', { engineState: 'IDLE', speedKmh: 0 }))
  const calls: unknown[][] = []
  const built = await buildApp({
    machines: machines?.(feed) ?? new InMemoryMachines(() => feed.latest()),
    history: history ?? {
      track: async (...args) => {
        calls.push(args)
        return [
          {
            pingId: '6f1c8a52-3e0b-4c3e-9d0e-2b7f0a1c9e11',
            sequence: 7,
            eventTime: 1_700_000_000_000,
            latitude: 41.9,
            longitude: -93.6,
            speedKmh: 10,
            headingDegrees: null,
            engineState: 'RUNNING',
          },
        ]
      },
      trips: async () => [],
    },
    geofences: noGeofences,
    feed,
    auth: auth.settings,
  })
  t.teardown(() => built.app.close())
  // Every request carries a token with fleet:read and ops, as a dashboard's would.
  const authorization = `Bearer ${await auth.token(['fleet:read', 'ops'])}`
  const inject = (request: string | InjectOptions) =>
    built.app.inject(
      typeof request === 'string'
        ? { url: request, headers: { authorization } }
        : { ...request, headers: { authorization, ...request.headers } },
    )
  return { ...built, app: { inject }, feed, calls }
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
  // Every field of a point reaches the client, its identity included (the response schema must not drop it).
  t.deepEqual(response.json<{ points: unknown[] }>().points[0], {
    pingId: '6f1c8a52-3e0b-4c3e-9d0e-2b7f0a1c9e11',
    sequence: 7,
    eventTime: '2023-11-14T22:13:20.000Z',
    latitude: 41.9,
    longitude: -93.6,
    speedKmh: 10,
    headingDegrees: null,
    engineState: 'RUNNING',
  })
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
  t.regex(map.body, /<div id="map"/)
})

/** The read model's own argument checks (cursor, limit, box), as the main job's stores run them. */
function sinkChecked(feed: LatestPositions): MachineQueries {
  const memory = new InMemoryMachines(() => feed.latest())
  return {
    get: (id) => memory.get(id),
    list: async (query) => {
      resolveListQuery({
        limit: query.limit,
        ...(query.bbox === undefined ? {} : { bbox: query.bbox }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      })
      return memory.list({ ...query, cursor: undefined })
    },
  }
}

test('malformed cursors, non-finite numbers and NUL answer 400 naming the parameter, never 500 or a store code', async (t) => {
  const { app: server } = await app(t, undefined, sinkChecked)
  const good = Buffer.from(JSON.stringify({ after: 'MF-1' })).toString('base64url')
  const cases: [string, RegExp][] = [
    ['cursor=!!!', /^querystring\/cursor /],
    [`cursor=${Buffer.from('random bytes, not a cursor').toString('base64')}`, /^querystring\/cursor /],
    [`cursor=${good.slice(0, -1)}${good.endsWith('Q') ? 'R' : 'Q'}`, /^querystring\/cursor /],
    [`cursor=${Buffer.from('{"after":123}').toString('base64url')}`, /^querystring\/cursor /],
    ['cursor=%00', /^querystring\/cursor /],
    ['limit=Infinity', /^querystring\/limit must be a finite number/],
    ['limit=1e309', /^querystring\/limit must be a finite number/],
    ['minLat=-Infinity&maxLat=1&minLon=0&maxLon=1', /^querystring\/minLat must be a finite number/],
    ['minLat=0&maxLat=Infinity&minLon=0&maxLon=1', /^querystring\/maxLat must be a finite number/],
  ]
  for (const [query, message] of cases) {
    const response = await server.inject(`/api/v1/machines?${query}`)
    t.is(response.statusCode, 400, query)
    const body = response.json<{ statusCode: number; code: string; message: string }>()
    t.is(body.code, 'OXA_API_BAD_REQUEST', query)
    t.is(body.statusCode, 400, query)
    t.regex(body.message, message, query)
  }
  t.is((await server.inject(`/api/v1/machines?cursor=${good}`)).statusCode, 200)
})

test('ids up to 128 characters are looked up; 404s of machines and of routes carry the one error body', async (t) => {
  const { app: server } = await app(t)
  for (const length of [101, 128]) {
    const response = await server.inject(`/api/v1/machines/${'a'.repeat(length)}`)
    t.is(response.statusCode, 404, `${length} characters`)
    t.is(response.json<{ code: string }>().code, 'OXA_API_NOT_FOUND')
  }
  const tooLong = await server.inject(`/api/v1/machines/${'a'.repeat(129)}`)
  t.is(tooLong.statusCode, 400)
  t.regex(tooLong.json<{ message: string }>().message, /params\/id must NOT have more than 128 characters/)
  const abusive = await server.inject(`/api/v1/machines/${'a'.repeat(2000)}/track`)
  t.deepEqual(Object.keys(abusive.json<object>()).sort(), ['code', 'message', 'statusCode'])
  t.is(abusive.json<{ code: string }>().code, 'OXA_API_URI_TOO_LONG')
  const noRoute = await server.inject('/api/v1/nothing-here')
  t.is(noRoute.statusCode, 404)
  t.deepEqual(noRoute.json(), {
    statusCode: 404,
    code: 'OXA_API_NOT_FOUND',
    message: 'no route GET /api/v1/nothing-here',
  })
})

test('track and trips of a machine the read model does not know answer 404, as /machines/{id} does', async (t) => {
  const { app: server, calls } = await app(t)
  const range = 'from=2023-11-14T00:00:00Z&to=2023-11-15T00:00:00Z'
  for (const path of ['track', 'trips']) {
    const response = await server.inject(`/api/v1/machines/MF-404/${path}?${range}`)
    t.is(response.statusCode, 404, path)
    t.is(response.json<{ code: string }>().code, 'OXA_API_NOT_FOUND')
  }
  t.deepEqual(calls, [], 'ClickHouse is not asked about a machine that does not exist')
})

test('OpenAPI documents every response: 200 bodies and the one error schema for 400/404/414', async (t) => {
  const { app: server } = await app(t)
  const spec = (await server.inject('/docs/json')).json<{
    paths: Record<
      string,
      {
        get: {
          description?: string
          responses: Record<string, { content?: Record<string, { schema: unknown }> }>
        }
      }
    >
    components: { schemas: Record<string, { required?: string[] }> }
  }>()
  t.deepEqual(spec.components.schemas.ApiError?.required, ['statusCode', 'code', 'message'])
  const errorRef = { $ref: '#/components/schemas/ApiError' }
  const expected: Record<string, string[]> = {
    '/api/v1/machines': ['200', '400'],
    '/api/v1/machines/{id}': ['200', '400', '404', '414'],
    '/api/v1/machines/{id}/track': ['200', '400', '404', '414'],
    '/api/v1/machines/{id}/trips': ['200', '400', '404', '414'],
    '/api/v1/geofences': ['200'],
  }
  for (const [path, statuses] of Object.entries(expected)) {
    const responses = spec.paths[path]?.get.responses ?? {}
    for (const status of statuses) {
      const schema = responses[status]?.content?.['application/json']?.schema
      t.truthy(schema, `${path} ${status}`)
      if (status !== '200') t.deepEqual(schema, errorRef, `${path} ${status}`)
      else t.truthy((schema as { required?: string[] }).required, `${path} 200 has required fields`)
    }
  }
  t.regex(
    spec.paths['/api/v1/machines']?.get.description ?? '',
    /minLat`, `maxLat`, `minLon` and `maxLon` together/,
  )
})

test('a known path asked with a method it lacks answers 405 with Allow, an unknown path 404', async (t) => {
  const { app: server } = await app(t)
  for (const [method, url] of [
    ['DELETE', '/api/v1/machines/MF-1'],
    ['PUT', '/api/v1/geofences'],
    ['PATCH', '/api/v1/machines/MF-1/track'],
  ] as const) {
    const response = await server.inject({ method, url })
    t.is(response.statusCode, 405, `${method} ${url}`)
    t.is(response.headers.allow, 'GET, HEAD')
    t.is(response.json<{ code: string }>().code, 'OXA_API_METHOD_NOT_ALLOWED')
  }
  t.is((await server.inject({ method: 'DELETE', url: '/api/v1/nothing' })).statusCode, 404)
})
