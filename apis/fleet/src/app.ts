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
import { MAX_FRAME_BYTES } from './live/messages.ts'
import { resolveHttpLimits, resolveHubOptions, type HttpLimits } from './options.ts'
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
  /** Timeouts, the connection cap and the body limit; defaults in DEFAULT_HTTP_LIMITS. */
  readonly http?: Partial<HttpLimits>
}

/**
 * The fleet API as a Fastify instance, not listening: REST under /api/v1, OpenAPI at /docs, the live
 * feed at /ws/machines, the map at /map, health and metrics. `listen` is the caller's.
 */
export async function buildApp(options: AppOptions): Promise<{ app: FastifyInstance; hub: LiveHub }> {
  const limits = resolveHttpLimits(options.http)
  const app = Fastify({
    logger: options.logger ?? false,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks request and header deadlines on this interval (30 s by default), so a trickling
      // client would outlive its deadline by up to that much.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
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
  // Node has the cap but Fastify no option for it: connections past it are closed on accept.
  app.server.maxConnections = limits.maxConnections
  app.addSchema(API_ERROR_SCHEMA)
  // No route here takes a body: one sent anyway is refused before it is read, and the connection closed,
  // so a client cannot hold a socket by trickling a body nobody wants.
  app.addHook('onRequest', async (request, reply) => {
    const sendsBody =
      request.headers['transfer-encoding'] !== undefined ||
      (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0')
    if (sendsBody && request.routeOptions.schema?.body === undefined) {
      void reply.header('connection', 'close')
      throw new ApiError(
        'OXA_API_PAYLOAD_TOO_LARGE',
        `${request.method} ${request.url.split('?')[0]} takes no request body`,
      )
    }
  })
  // A known path asked with a method it lacks is 405 with Allow, not 404: the routes, as patterns.
  const routes: { pattern: RegExp; methods: Set<string> }[] = []
  app.addHook('onRoute', (route) => {
    const source = `^${route.url
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/:[^/]+/g, '[^/]+')
      .replace(/\*/g, '.*')}$`
    let entry = routes.find((r) => r.pattern.source === source)
    if (entry === undefined) routes.push((entry = { pattern: new RegExp(source), methods: new Set() }))
    for (const method of [route.method].flat()) entry.methods.add(method)
  })
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return
    const path = request.url.split('?')[0] ?? ''
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]))]
    if (allowed.length === 0) return
    void reply.header('allow', allowed.sort().join(', '))
    throw new ApiError(
      'OXA_API_METHOD_NOT_ALLOWED',
      `${request.method} is not allowed on ${path} (${allowed.join(', ')})`,
    )
  })
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
  const hub = new LiveHub(options.feed, resolveHubOptions(options.live))
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
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } })
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
