import fastifyCors from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fastifyWebsocket from '@fastify/websocket'
import { apiAuth, BEARER_SUBPROTOCOL, type AuthSettings } from '@oxagry/api-auth'
import Fastify, {
  type FastifyContextConfig,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify'
import { Gauge, Registry } from 'prom-client'
import { API_ERROR_SCHEMA, ApiError, toErrorBody } from './errors.ts'
import { LiveHub, type HubOptions } from './live/hub.ts'
import { MAX_FRAME_BYTES } from './live/messages.ts'
import {
  resolveHttpLimits,
  resolveHubOptions,
  resolveSecurity,
  type HttpLimits,
  type SecurityOptions,
} from './options.ts'
import { healthPlugin } from './plugins/health.ts'
import { registerHttpMetrics } from './http-metrics.ts'
import { machinesPlugin } from './plugins/machines.ts'
import { mapPlugin } from './plugins/map.ts'
import { resolveMapOptions, tileOrigin, type TileSource } from './map/options.ts'
import type { GeofenceQueries, HistoryQueries, MachineQueries, PositionFeed, Readiness } from './ports.ts'

/** The scopes of the fleet API's tokens. */
export const FLEET_SCOPES = { read: 'fleet:read', ops: 'ops' } as const

/**
 * Who may call what, by path prefix, first match: the one access table. Routes it does not name need a
 * valid token with no particular scope.
 */
const ACCESS: readonly (readonly [string, Pick<FastifyContextConfig, 'scopes' | 'public'>])[] = [
  ['/api/v1/', { scopes: [FLEET_SCOPES.read] }],
  ['/ws/', { scopes: [FLEET_SCOPES.read] }],
  ['/metrics', { scopes: [FLEET_SCOPES.ops] }],
  // Probes, the map's static files (the data they load needs a token) and the API's documentation.
  ['/health/', { public: true }],
  ['/map', { public: true }],
  ['/docs', { public: true }],
]

/**
 * The map page and Swagger UI load only from this server, the map's base tiles (images) also from the
 * configured tile origin; the feed is a same-origin WebSocket.
 */
function contentSecurityPolicy(tiles: TileSource): Record<string, string[] | null> {
  const tileSources = tiles.urlTemplate === null ? [] : [tileOrigin(tiles.urlTemplate) ?? "'none'"]
  return {
    ...CONTENT_SECURITY_POLICY,
    imgSrc: ["'self'", 'data:', ...tileSources],
    // Helmet's default upgrade would send a plain-http tile server's requests over https, where it has none.
    ...(tiles.urlTemplate?.startsWith('http:') === true ? { upgradeInsecureRequests: null } : {}),
  }
}

const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
}

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
  /**
   * Authentication (`@oxagry/api-auth`). Without it authentication is off and the API answers loopback
   * clients only: give `{ mode: 'jwt', … }` whenever it listens beyond loopback.
   */
  readonly auth?: AuthSettings
  /** CORS, rate limits, what /metrics and /docs expose; defaults in DEFAULT_SECURITY. */
  readonly security?: Partial<SecurityOptions>
  /** The live map's base tiles; defaults in DEFAULT_MAP_OPTIONS (OpenStreetMap). */
  readonly map?: { readonly tiles?: Partial<TileSource> }
}

/**
 * The fleet API as a Fastify instance, not listening: REST under /api/v1, OpenAPI at /docs, the live
 * feed at /ws/machines, the map at /map, health and metrics. `listen` is the caller's.
 */
export async function buildApp(options: AppOptions): Promise<{ app: FastifyInstance; hub: LiveHub }> {
  const limits = resolveHttpLimits(options.http)
  const security = resolveSecurity(options.security)
  const map = resolveMapOptions(options.map)
  const auth: AuthSettings = options.auth ?? { mode: 'off' }
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
  // First, so its onRequest hook marks upgrade requests before any hook of ours can refuse one: its
  // onResponse then closes a refused handshake's socket, which no HTTP parser owns any more.
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: MAX_FRAME_BYTES,
      // A browser's token comes as a subprotocol; the handshake must then name the one accepted.
      handleProtocols: (protocols) => (protocols.has(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : false),
    },
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
    const access = ACCESS.find(([prefix]) => route.url.startsWith(prefix))?.[1]
    // CORS preflights carry no credentials by design.
    const preflight = route.method === 'OPTIONS' ? { public: true } : undefined
    route.config = { ...route.config, ...access, ...preflight }
    if (route.url === '*' || route.url === '/*') return
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
  registerHttpMetrics(app, registry)
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

  // After the body and method checks above (they answer without reading anything), before any route.
  await app.register(apiAuth, { settings: auth, allowedOrigins: security.allowedOrigins })
  await app.register(fastifyRateLimit, {
    max: security.rateLimit.max,
    timeWindow: security.rateLimit.timeWindowMs,
    // After authentication, so a token is limited as itself wherever it connects from.
    hook: 'preHandler',
    keyGenerator: (request) =>
      request.principal === null ? `ip:${request.ip}` : `sub:${request.principal.subject}`,
  })
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: contentSecurityPolicy(map.tiles) },
  })
  if (security.allowedOrigins.length > 0)
    await app.register(fastifyCors, {
      origin: [...security.allowedOrigins],
      methods: ['GET', 'HEAD'],
      allowedHeaders: ['authorization'],
      maxAge: 600,
    })
  if (security.exposeDocs) {
    await app.register(fastifySwagger, {
      // Shared schemas keep their names ($id) as components: responses read `#/components/schemas/ApiError`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      openapi: {
        info: {
          title: 'oxagry fleet API',
          version: '1.0.0',
          description:
            'Machines, their live positions, tracks and trips. ' +
            (auth.mode === 'jwt'
              ? `Every operation needs a bearer token (JWT) with the \`${FLEET_SCOPES.read}\` scope.`
              : 'Authentication is off: this server answers loopback clients only.'),
        },
        ...(auth.mode === 'jwt'
          ? {
              components: {
                securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
              },
              security: [{ bearer: [] }],
            }
          : {}),
      },
    })
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true })
  }
  await app.register(machinesPlugin, {
    prefix: '/api/v1',
    machines: options.machines,
    history: options.history,
    geofences: options.geofences,
  })
  await app.register(healthPlugin, {
    readiness: options.readiness ?? { notReady: async () => undefined },
    registry,
    exposeMetrics: security.exposeMetrics,
  })
  await app.register(async (scope) => {
    scope.get('/ws/machines', { websocket: true, schema: { hide: true } }, (socket) => hub.attach(socket))
  })
  await app.register(mapPlugin, { map })
  app.addHook('onClose', async () => hub.close())
  return { app, hub }
}
