import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { Gauge, Registry } from 'prom-client'
import { API_ERROR_SCHEMA, ApiError, toErrorBody } from './errors.ts'
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
    // Ids are up to 128 characters (the schema says so and answers 400 beyond); the router's own cap,
    // 100 by default, answered 414 below that. Past this cap the URL is abuse: 414.
    routerOptions: { maxParamLength: 1024 },
    // Errors the router raises before any route (a bad URL, an over-long parameter) get the one shape too.
    frameworkErrors: (error, _request, reply) => {
      const { body } = toErrorBody(error)
      // The reply here is typed for a route with no schema, whose status codes TypeScript cannot know.
      void (reply as FastifyReply).code(body.statusCode).send(body)
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  })
  app.addSchema(API_ERROR_SCHEMA)
  // Ajv coerces `Infinity` and `1e309` to Infinity and then skips minimum/maximum for non-finite numbers
  // (strictNumbers does not apply to coerced values): refuse them here, after validation, for every route.
  app.addHook('preHandler', async (request) => {
    for (const [part, values] of [
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>))
        if (typeof value === 'number' && !Number.isFinite(value))
          throw new ApiError('OXA_API_BAD_REQUEST', `${part}/${name} must be a finite number`)
    }
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
    const { body, internal } = toErrorBody(error)
    if (internal) request.log.error({ err: error }, 'request failed')
    return reply.status(body.statusCode).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const { body } = toErrorBody(
      new ApiError('OXA_API_NOT_FOUND', `no route ${request.method} ${request.url}`),
    )
    return reply.status(404).send(body)
  })

  await app.register(fastifySwagger, {
    // Shared schemas keep their names ($id) as components, so responses read `#/components/schemas/ApiError`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
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
