import { ApiOptionsError } from './errors.ts'

/** How long a connection may take and how many may be open: what a slow or hostile client can hold. */
export interface HttpLimits {
  /** A whole request, headers and body, must arrive within this (Node's default is 300 s). */
  readonly requestTimeoutMs: number
  /** The headers must arrive within this; at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number
  /** Connections beyond this are dropped on accept (WebSockets included). */
  readonly maxConnections: number
  /** The largest request body accepted on a route that takes one . */
  readonly bodyLimitBytes: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 5_000,
  bodyLimitBytes: 16 * 1024,
}

/** Problems with values that must be positive integers, each naming `prefix.name`. */
export function positiveIntegers(prefix: string, values: object): string[] {
  return Object.entries(values)
    .filter(([, value]) => !Number.isSafeInteger(value) || (value as number) < 1)
    .map(([name, value]) => `${prefix}.${name} must be a positive integer, got ${String(value)}`)
}

/** Fills in the defaults and checks the limits once, at the boundary: each a positive integer. */
export function resolveHttpLimits(given: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...given }
  const problems = positiveIntegers('http', limits)
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    problems.push('http.headersTimeoutMs must not exceed http.requestTimeoutMs')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return limits
}

/** What the API exposes and to whom, beyond authentication. */
export interface SecurityOptions {
  /**
   * Origins (`https://dash.example.com`) whose pages may call the API (CORS) and open its WebSockets,
   * besides the API's own pages. Empty: same-origin only.
   */
  readonly allowedOrigins: readonly string[]
  /** Requests per window per token, or per address without one. */
  readonly rateLimit: { readonly max: number; readonly timeWindowMs: number }
  /** Serve /metrics (to tokens with the `ops` scope when authentication is on). */
  readonly exposeMetrics: boolean
  /** Serve the OpenAPI document and its UI at /docs. */
  readonly exposeDocs: boolean
}

/**
 * A dashboard polling every second and a browser on the map make a few requests a second at most:
 * 1200 a minute per token leaves them far below the limit and still stops a runaway client.
 */
export const DEFAULT_SECURITY: SecurityOptions = {
  allowedOrigins: [],
  rateLimit: { max: 1200, timeWindowMs: 60_000 },
  exposeMetrics: true,
  exposeDocs: true,
}

/** The security options with their defaults, checked once. */
export function resolveSecurity(given: Partial<SecurityOptions> = {}): SecurityOptions {
  const options = { ...DEFAULT_SECURITY, ...given }
  const problems = positiveIntegers('security.rateLimit', options.rateLimit)
  for (const origin of options.allowedOrigins) {
    let parsed: string | undefined
    try {
      parsed = new URL(origin).origin
    } catch {
      parsed = undefined
    }
    if (parsed !== origin)
      problems.push(`security.allowedOrigins: ${origin} is not an origin (scheme://host[:port])`)
  }
  if (typeof options.exposeMetrics !== 'boolean') problems.push('security.exposeMetrics must be a boolean')
  if (typeof options.exposeDocs !== 'boolean') problems.push('security.exposeDocs must be a boolean')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return options
}
