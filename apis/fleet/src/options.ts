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
  /** The largest request body accepted on a route that takes one (none of the fleet routes does). */
  readonly bodyLimitBytes: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 5_000,
  bodyLimitBytes: 16 * 1024,
}

/** Fills in the defaults and checks the limits once, at the boundary: each a positive integer. */
export function resolveHttpLimits(given: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...given }
  const problems = Object.entries(limits)
    .filter(([, value]) => !Number.isSafeInteger(value) || value < 1)
    .map(([name, value]) => `http.${name} must be a positive integer, got ${String(value)}`)
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    problems.push('http.headersTimeoutMs must not exceed http.requestTimeoutMs')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return limits
}
