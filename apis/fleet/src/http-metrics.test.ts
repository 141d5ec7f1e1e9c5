import test from 'ava'
import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { buildApp } from './app.ts'
import { HTTP_METRICS, registerHttpMetrics } from '@oxagry/api-http'
import { LatestPositions } from './live/latest-positions.ts'
import { InMemoryMachines, noGeofences } from './testing.ts'

test('responses are counted and timed by method, route pattern and status', async (t) => {
  const registry = new Registry()
  const app = Fastify()
  registerHttpMetrics(app, registry)
  app.get('/machines/:id', async (request, reply) =>
    (request.params as { id: string }).id === 'broken' ? reply.code(500).send({}) : { ok: true },
  )
  t.teardown(() => app.close())
  await app.inject('/machines/MF-1')
  await app.inject('/machines/MF-2')
  await app.inject('/machines/broken')
  await app.inject('/nowhere')
  const text = await registry.metrics()
  t.true(
    text.includes(`${HTTP_METRICS.requests}{method="GET",route="/machines/:id",status_code="200"} 2`),
    text,
  )
  t.true(
    text.includes(`${HTTP_METRICS.requests}{method="GET",route="/machines/:id",status_code="500"} 1`),
    text,
  )
  t.true(text.includes(`${HTTP_METRICS.requests}{method="GET",route="unmatched",status_code="404"} 1`), text)
  t.true(
    text.includes(`${HTTP_METRICS.duration}_count{method="GET",route="/machines/:id",status_code="200"} 2`),
    text,
  )
  t.false(text.includes('MF-1'), 'ids make no series')
})

test("the fleet API's /metrics carries its request metrics", async (t) => {
  const feed = new LatestPositions()
  const registry = new Registry()
  const { app } = await buildApp({
    machines: new InMemoryMachines(() => feed.latest()),
    history: { track: async () => [], trips: async () => [] },
    geofences: noGeofences,
    feed,
    registry,
  })
  t.teardown(() => app.close())
  t.is((await app.inject('/health/live')).statusCode, 200)
  const text = await registry.metrics()
  t.true(
    text.includes(`${HTTP_METRICS.requests}{method="GET",route="/health/live",status_code="200"} 1`),
    text,
  )
})
