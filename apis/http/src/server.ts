import fastifyCors from '@fastify/cors'
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
import helmet from 'helmet'
import { Registry } from 'prom-client'
import { API_ERROR_SCHEMA, ApiError, toErrorBody } from './errors.ts'
import { registerHttpMetrics } from './http-metrics.ts'
import { registerHttpTracing } from './http-tracing.ts'
import { optionalBodies } from './optional-body.ts'
import { partValidators } from './validators.ts'
import { resolveHttpLimits, resolveSecurity, type HttpLimits, type SecurityOptions } from './options.ts'

/** Who may call what, by path prefix, first match. A route's own `config.scopes` or `public` wins. */
export type AccessTable = readonly (readonly [string, Pick<FastifyContextConfig, 'scopes' | 'public'>])[]

/** The pages an API serves (Swagger UI, the map) load only from this server. */
export const CONTENT_SECURITY_POLICY: Readonly<Record<string, readonly string[] | null>> = {
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

export interface ApiServerOptions {
  /** The OpenAPI document's title and description (the authentication sentence is added). */
  readonly title: string
  readonly description: string
  /** Scopes named in the document's description when authentication is on. */
  readonly scopeNote: string
  readonly access: AccessTable
  /** Where metrics are registered (share the streams registry to expose both on one /metrics). */
  readonly registry?: Registry
  readonly logger?: FastifyServerOptions['logger']
  readonly http?: Partial<HttpLimits>
  /** Without it authentication is off and the API answers loopback clients only. */
  readonly auth?: AuthSettings
  readonly security?: Partial<SecurityOptions>
  /** The largest WebSocket frame a client may send. */
  readonly wsMaxPayload: number
  /** Methods and request headers cross-origin pages may use (CORS), beyond GET and HEAD with a token. */
  readonly corsMethods?: readonly string[]
  readonly corsHeaders?: readonly string[]
  /** Directives replacing the defaults' ({@link CONTENT_SECURITY_POLICY}), e.g. a map's tile origin. */
  readonly contentSecurityPolicy?: Readonly<Record<string, readonly string[] | null>>
}

/**
 * The one HTTP server shape every oxagry API shares, not listening and with no routes yet: limits, the
 * one error shape, 405 with Allow, authentication, rate limits, helmet, CORS, request metrics and
 * OpenAPI at /docs. Each API registers its routes (as plugins) on what this returns.
 */
export async function createApiServer(
  options: ApiServerOptions,
): Promise<{ app: FastifyInstance; registry: Registry; security: SecurityOptions }> {
  const limits = resolveHttpLimits(options.http)
  const security = resolveSecurity(options.security)
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
    // Bodies taken as sent, query strings, parameters and headers coerced from text (validators.ts).
    schemaController: { compilersFactory: { buildValidator: partValidators() } },
  })
  // First, so its onRequest hook marks upgrade requests before any hook of ours can refuse one: its
  // onResponse then closes a refused handshake's socket, which no HTTP parser owns any more.
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: options.wsMaxPayload,
      // A browser's token comes as a subprotocol; the handshake must then name the one accepted.
      handleProtocols: (protocols) => (protocols.has(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : false),
    },
  })
  // Before any hook that may refuse a request, so a refused request has its span too.
  registerHttpTracing(app)
  // Node has the cap but Fastify no option for it: connections past it are closed on accept.
  app.server.maxConnections = limits.maxConnections
  app.addSchema(API_ERROR_SCHEMA)
  // A known path asked with a method it lacks is 405 with Allow, not 404: the routes, as patterns.
  const routes: { pattern: RegExp; methods: Set<string> }[] = []
  app.addHook('onRoute', (route) => {
    const access = options.access.find(([prefix]) => route.url.startsWith(prefix))?.[1]
    // CORS preflights carry no credentials by design.
    const preflight = route.method === 'OPTIONS' ? { public: true } : undefined
    const own = route.config as Partial<FastifyContextConfig> | undefined
    const declared =
      own?.scopes !== undefined || own?.public !== undefined || own?.signedWebhook !== undefined
    route.config = { ...route.config, ...(declared ? {} : access), ...preflight }
    if (route.url === '*' || route.url === '/*') return
    const source = `^${route.url
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/:[^/]+/g, '[^/]+')
      .replace(/\*/g, '.*')}$`
    let entry = routes.find((r) => r.pattern.source === source)
    if (entry === undefined) routes.push((entry = { pattern: new RegExp(source), methods: new Set() }))
    for (const method of [route.method].flat()) entry.methods.add(method)
  })
  const optionalBodiesInDocument = optionalBodies(app)
  // A body sent to a route that takes none (or to a method the path lacks) is refused before it is read,
  // and the connection closed, so a client cannot hold a socket by trickling a body nobody wants. The
  // method comes first: a known path asked with a method it lacks is 405 with Allow, not 404 nor 413.
  app.addHook('onRequest', async (request, reply) => {
    const sendsBody =
      request.headers['transfer-encoding'] !== undefined ||
      (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0')
    // Refused with its body unread: the connection cannot carry another request.
    const refuse = (error: ApiError): never => {
      if (sendsBody) void reply.header('connection', 'close')
      throw error
    }
    const path = request.url.split('?')[0] ?? ''
    if (request.is404) {
      const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]))]
      if (allowed.length > 0) {
        void reply.header('allow', allowed.sort().join(', '))
        refuse(
          new ApiError(
            'OXA_API_METHOD_NOT_ALLOWED',
            `${request.method} is not allowed on ${path} (${allowed.join(', ')})`,
          ),
        )
      }
    }
    if (sendsBody && request.routeOptions.schema?.body === undefined)
      refuse(new ApiError('OXA_API_PAYLOAD_TOO_LARGE', `${request.method} ${path} takes no request body`))
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
  const directives = { ...CONTENT_SECURITY_POLICY, ...options.contentSecurityPolicy } as Record<
    string,
    string[] | null
  >
  // Helmet's middleware, built once. @fastify/helmet 13 builds it again for every request (the content
  // security policy parsed each time), about a tenth of an order lookup's CPU.
  const securityHeaders = helmet({ contentSecurityPolicy: { directives } })
  app.addHook('onRequest', (request, reply, next) =>
    securityHeaders(request.raw, reply.raw, (error?: unknown) =>
      next(error instanceof Error ? error : undefined),
    ),
  )
  if (security.allowedOrigins.length > 0)
    await app.register(fastifyCors, {
      origin: [...security.allowedOrigins],
      methods: ['GET', 'HEAD', ...(options.corsMethods ?? [])],
      allowedHeaders: ['authorization', ...(options.corsHeaders ?? [])],
      maxAge: 600,
    })
  if (security.exposeDocs) {
    await app.register(fastifySwagger, {
      // Shared schemas keep their names ($id) as components: responses read `#/components/schemas/ApiError`.
      transformObject: (documents) =>
        'openapiObject' in documents
          ? optionalBodiesInDocument(documents.openapiObject)
          : documents.swaggerObject,
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      openapi: {
        info: {
          title: options.title,
          version: '1.0.0',
          description:
            `${options.description} ` +
            (auth.mode === 'jwt'
              ? options.scopeNote
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
  return { app, registry, security }
}
