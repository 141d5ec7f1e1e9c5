import { ApiOptionsError } from './errors.ts'
import type { HubOptions } from './live/hub.ts'

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

/** The live feed's defaults: a dashboard or the map never comes near the message rate. */
export const DEFAULT_HUB_OPTIONS: HubOptions = {
  flushIntervalMs: 100,
  highWaterMarkBytes: 256 * 1024,
  maxQueuedBytes: 1024 * 1024,
  messagesPerSecond: 10,
  messageBurst: 20,
  heartbeatIntervalMs: 15_000,
}

function positiveIntegers(prefix: string, values: object): string[] {
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

/** The live feed's options with their defaults, checked once. */
export function resolveHubOptions(given: Partial<HubOptions> = {}): HubOptions {
  const options = { ...DEFAULT_HUB_OPTIONS, ...given }
  const problems = positiveIntegers('live', options)
  if (options.maxQueuedBytes < options.highWaterMarkBytes)
    problems.push('live.maxQueuedBytes must not be below live.highWaterMarkBytes')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return options
}
