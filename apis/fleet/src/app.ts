import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Gauge, Registry } from 'prom-client'
import { ApiError } from './errors.ts'
import { LiveHub, type HubOptions } from './live/hub.ts'
import { healthPlugin } from './plugins/health.ts'
import { machinesPlugin } from './plugins/machines.ts'
import type { GeofenceQueries, HistoryQueries, MachineQueries, PositionFeed, Readiness } from './ports.ts'

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')

export interface AppOptions {
  readonly machines: MachineQueries
  readonly history: HistoryQueries
  readonly geofences: GeofenceQueries
  readonly feed: PositionFeed
  readonly readiness?: Readiness
  /** Where metrics are registered (share the streams registry to expose both on one /metrics). */
  readonly registry?: Registry
  readonly live?: Partial<HubOptions>
  readonly logger?: FastifyServerOptions['logger']
}

/**
 * The fleet API as a Fastify instance, not listening: REST under /api/v1, OpenAPI at /docs, the live
 * feed at /ws/machines, the map at /map, health and metrics. `listen` is the caller's.
 */
export async function buildApp(options: AppOptions): Promise<{ app: FastifyInstance; hub: LiveHub }> {
  const app = Fastify({
    logger: options.logger ?? false,
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  })
  const registry = options.registry ?? new Registry()
  const hub = new LiveHub(options.feed, {
    flushIntervalMs: options.live?.flushIntervalMs ?? 100,
    highWaterMarkBytes: options.live?.highWaterMarkBytes ?? 256 * 1024,
    heartbeatIntervalMs: options.live?.heartbeatIntervalMs ?? 15_000,
  })
  new Gauge({
    name: 'oxagry_api_ws_clients',
    help: 'Open WebSocket clients of the live feed',
    registers: [registry],
    collect() {
      this.set(hub.stats().clients)
    },
  })
  new Gauge({
    name: 'oxagry_api_ws_lagging_clients',
    help: 'Live-feed clients skipped at the last flush because their socket is over the high-water mark',
    registers: [registry],
    collect() {
      this.set(hub.stats().laggingClients)
    },
  })
  new Gauge({
    name: 'oxagry_api_ws_max_buffered_bytes',
    help: "The largest backlog of bytes queued on one live-feed client's socket",
    registers: [registry],
    collect() {
      this.set(hub.stats().maxBufferedBytes)
    },
  })

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) {
      return reply
        .status(error.statusCode)
        .send({ statusCode: error.statusCode, code: error.code, message: error.message })
    }
    const fastifyError = error as {
      validation?: unknown
      statusCode?: number
      code?: string
      message: string
    }
    if (fastifyError.validation !== undefined) {
      return reply
        .status(400)
        .send({ statusCode: 400, code: 'OXA_API_BAD_REQUEST', message: fastifyError.message })
    }
    request.log.error({ err: error }, 'request failed')
    const status = fastifyError.statusCode ?? 500
    return reply.status(status).send({
      statusCode: status,
      code: fastifyError.code ?? 'OXA_API_INTERNAL',
      message: status >= 500 ? 'internal error' : fastifyError.message,
    })
  })

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'oxagry fleet API',
        version: '1.0.0',
        description: 'Machines, their live positions, tracks and trips',
      },
    },
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })
  await app.register(machinesPlugin, {
    prefix: '/api/v1',
    machines: options.machines,
    history: options.history,
    geofences: options.geofences,
  })
  await app.register(healthPlugin, {
    readiness: options.readiness ?? { notReady: async () => undefined },
    registry,
  })
  await app.register(async (scope) => {
    scope.get('/ws/machines', { websocket: true, schema: { hide: true } }, (socket) => hub.attach(socket))
  })
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/map/', decorateReply: false })
  app.get('/map', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/map/'))
  app.addHook('onClose', async () => hub.close())
  return { app, hub }
}
