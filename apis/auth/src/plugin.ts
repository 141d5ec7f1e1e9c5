import { isIP } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { fastifyPlugin } from 'fastify-plugin'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { AuthError, AuthOptionsError } from './errors.ts'
import { resolveAuthSettings, type AuthSettings, type ResolvedAuthSettings } from './options.ts'
import { VerifiedTokens } from './verified-tokens.ts'

/** Who a verified token speaks for. */
export interface Principal {
  readonly subject: string
  readonly scopes: ReadonlySet<string>
  /** The customer the token is limited to, or null for staff and service tokens. */
  readonly customerId: string | null
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; null when the route is public or authentication is off. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** Scopes a token needs for this route, all of them. */
    scopes?: readonly string[]
    /** Served without a token (health probes, the static map page, the API documentation). */
    public?: boolean
    /**
     * Authenticated by a signature the route verifies itself over the raw body, not by a token: the
     * payment provider's webhook, whose sender has no token. The route must refuse what fails it (401).
     */
    signedWebhook?: boolean
  }
}

/**
 * The WebSocket subprotocol a browser offers to carry its token (browsers cannot set Authorization on a
 * WebSocket): `new WebSocket(url, [BEARER_SUBPROTOCOL, token])`. The server accepts this protocol only.
 */
export const BEARER_SUBPROTOCOL = 'oxagry.bearer'

export interface ApiAuthOptions {
  readonly settings: AuthSettings
  /**
   * Origins (`https://dash.example.com`) whose pages may open the API's WebSockets besides the API's
   * own; the CORS allow-list. Browsers do not apply CORS to WebSockets, so the handshake's Origin is
   * checked here: else any page a signed-in user visits could open the feed (cross-site hijacking).
   */
  readonly allowedOrigins?: readonly string[]
  /**
   * Tokens that verified are kept (see VerifiedTokens): at most `max`, each for at most `ttlMs` and never
   * past its expiry. `max: 0` verifies every request.
   */
  readonly verifiedTokens?: { readonly max?: number; readonly ttlMs?: number }
}

export const DEFAULT_VERIFIED_TOKENS = { max: 10_000, ttlMs: 60_000 } as const

/** Whether a WebSocket handshake comes from an allowed page; clients that are not browsers send no Origin. */
function originAllowed(request: FastifyRequest, allowed: ReadonlySet<string>): boolean {
  const origin = request.headers.origin
  if (origin === undefined || allowed.has(origin)) return true
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

/** Whether a local socket address is loopback: where a server with authentication off may answer. */
export function isLoopback(address: string | undefined): boolean {
  // light-my-request (app.inject) has no socket address: an in-process caller.
  if (address === undefined) return true
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'))
}

/** The bearer token of a request: the Authorization header, or the WebSocket subprotocol. */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header)
    return match?.[1]
  }
  const protocols = request.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim())
  const at = protocols?.indexOf(BEARER_SUBPROTOCOL) ?? -1
  return at >= 0 ? protocols?.[at + 1] : undefined
}

function keySet(settings: Extract<ResolvedAuthSettings, { mode: 'jwt' }>): JWTVerifyGetKey {
  return 'url' in settings.jwks
    ? // jose caches the provider's keys and refetches on an unknown kid (key rotation), at most every 30 s.
      createRemoteJWKSet(new URL(settings.jwks.url))
    : createLocalJWKSet(settings.jwks.keys)
}

function principalOf(payload: JWTPayload, customerClaim: string): Principal {
  // OIDC providers put scopes in `scope` (space-separated, RFC 8693) or `scp` (an array).
  const raw = payload.scope ?? payload.scp
  const scopes = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : []
  const customer = payload[customerClaim]
  if (typeof payload.sub !== 'string' || payload.sub === '')
    throw new AuthError('OXA_AUTH_INVALID_TOKEN', 'the token has no subject')
  if (customer !== undefined && (typeof customer !== 'string' || customer === ''))
    throw new AuthError('OXA_AUTH_INVALID_TOKEN', `the token's ${customerClaim} claim is not a customer id`)
  return {
    subject: payload.sub,
    scopes: new Set(scopes.filter((s) => s !== '')),
    customerId: customer ?? null,
  }
}

/**
 * Authentication for an oxagry API, shared by every API: each request is checked in `onRequest`, before
 * its body is read. A route states the scopes it needs in `config.scopes`; `config.public` routes need
 * none; any other route needs a valid token. Failures are AuthErrors (401/403) for the API's error handler.
 */
export const apiAuth = fastifyPlugin(
  async (app: FastifyInstance, options: ApiAuthOptions): Promise<void> => {
    const settings = resolveAuthSettings(options.settings)
    const allowedOrigins = new Set(options.allowedOrigins ?? [])
    app.decorateRequest('principal', null)
    app.addHook('onRequest', async (request) => {
      if (request.headers.upgrade?.toLowerCase() === 'websocket' && !originAllowed(request, allowedOrigins))
        throw new AuthError(
          'OXA_AUTH_ORIGIN',
          `WebSocket connections from ${request.headers.origin} are not allowed`,
        )
    })
    if (settings.mode === 'off') {
      app.addHook('onRequest', async (request) => {
        if (!isLoopback(request.socket.localAddress))
          throw new AuthError(
            'OXA_AUTH_LOOPBACK_ONLY',
            'authentication is off on this server, so it serves loopback clients only',
          )
      })
      return
    }
    const keys = keySet(settings)
    const { max, ttlMs } = { ...DEFAULT_VERIFIED_TOKENS, ...options.verifiedTokens }
    for (const [name, value] of [
      ['max', max],
      ['ttlMs', ttlMs],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 0)
        throw new AuthOptionsError([`verifiedTokens.${name} must be an integer >= 0, got ${String(value)}`])
    const verified = new VerifiedTokens<Principal>(max, ttlMs)
    /** Verifies a token (401 when it does not, 503 when its keys cannot be had) and keeps what it grants. */
    const verify = async (token: string, reply: FastifyReply): Promise<Principal> => {
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, keys, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: [...settings.algorithms],
          clockTolerance: settings.clockToleranceSec,
          requiredClaims: ['exp', 'sub'],
        }))
      } catch (error) {
        // The provider unreachable or answering garbage is an outage, not a bad token: 503, not 401.
        if (
          !(error instanceof errors.JOSEError) ||
          error instanceof errors.JWKSTimeout ||
          error instanceof errors.JWKSInvalid
        )
          throw new AuthError(
            'OXA_AUTH_UNAVAILABLE',
            'the token cannot be checked now: its keys are unavailable',
            {
              cause: error,
            },
          )
        void reply.header('www-authenticate', 'Bearer error="invalid_token"')
        // jose's message says what failed (expired, wrong audience…) without echoing the token.
        throw new AuthError('OXA_AUTH_INVALID_TOKEN', `the token is not valid: ${(error as Error).message}`, {
          cause: error,
        })
      }
      const principal = principalOf(payload, settings.customerClaim)
      // `exp` is required above; the entry ends when the token would stop verifying.
      verified.set(token, principal, ((payload.exp ?? 0) + settings.clockToleranceSec) * 1000)
      return principal
    }
    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config
      if (config.public === true || config.signedWebhook === true) return
      const token = bearerToken(request)
      if (token === undefined) {
        void reply.header('www-authenticate', 'Bearer')
        throw new AuthError('OXA_AUTH_MISSING_TOKEN', 'a bearer token is required')
      }
      const principal = verified.get(token) ?? (await verify(token, reply))
      const missing = (config.scopes ?? []).filter((s) => !principal.scopes.has(s))
      if (missing.length > 0) {
        void reply.header(
          'www-authenticate',
          `Bearer error="insufficient_scope", scope="${missing.join(' ')}"`,
        )
        throw new AuthError('OXA_AUTH_INSUFFICIENT_SCOPE', `the token lacks the scope ${missing.join(', ')}`)
      }
      request.principal = principal
    })
  },
  { name: '@oxagry/api-auth', fastify: '5.x' },
)

/**
 * Refuses a customer's token asking for another customer's data; staff and service tokens (no customer
 * claim) pass. For routes whose resource belongs to a customer: orders, payments.
 */
export function requireCustomer(request: Pick<FastifyRequest, 'principal'>, customerId: string): void {
  const own = request.principal?.customerId ?? null
  if (own !== null && own !== customerId)
    throw new AuthError('OXA_AUTH_OTHER_CUSTOMER', `this token may read customer ${own}'s data only`)
}

/** The customer a request is limited to (for list queries to filter by), or null when it is not. */
export function customerScope(request: Pick<FastifyRequest, 'principal'>): string | null {
  return request.principal?.customerId ?? null
}
