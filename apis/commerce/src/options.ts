import { ApiOptionsError, positiveIntegers } from '@oxagry/api-http'
import type { Registry } from 'prom-client'
import type { CommerceReadModel, ReservationReadModel, StockReadModel } from '@oxagry/sink'
import type { IdempotencyDigests } from './idempotency.ts'
import type { OrderHubOptions } from './live/hub.ts'
import type { OrderStatusFeed } from './live/feed.ts'
import type { CommerceWriter } from './writer.ts'

/** What the commerce API reads, writes and follows, and how it waits. */
export interface CommercePluginOptions {
  /** Orders and payments (PostgreSQL, or PGlite on embedded defaults). */
  readonly orders: CommerceReadModel
  /** Stock levels (MongoDB, or PGlite). */
  readonly stock: StockReadModel
  /** Stock reservations (MongoDB, or PGlite), beside the levels. */
  readonly reservations: ReservationReadModel
  /** Where writes go: events and commands on the catalogue's topics. */
  readonly writer: CommerceWriter
  /** The order status changes the live feed sends (`orders.order-status.v1`). */
  readonly feed: OrderStatusFeed
  /** Idempotency keys remembered for the 409 (default 100,000; the oldest are forgotten first). */
  readonly idempotencyKeys?: number
  /** The longest `waitFor` a GET may ask for (default 30 s) and how often it reads again (50 ms). */
  readonly maxWaitMs?: number
  readonly pollMs?: number
  readonly live?: Partial<OrderHubOptions>
  /** The clock events are stamped with; tests fix it. */
  readonly now?: () => number
  /** Where the feed's gauges are registered (the platform's one registry); none without it. */
  readonly metrics?: Registry
}

/** What each route plugin gets: the resolved options. */
export interface CommerceRouteOptions {
  readonly orders: CommerceReadModel
  readonly stock: StockReadModel
  readonly reservations: ReservationReadModel
  readonly writer: CommerceWriter
  readonly digests: IdempotencyDigests
  readonly maxWaitMs: number
  readonly pollMs: number
  readonly now: () => number
  /** Where the REST routes are mounted, for `Location` headers. */
  readonly prefix: string
}

export const DEFAULT_MAX_WAIT_MS = 30_000
export const DEFAULT_POLL_MS = 50
export const DEFAULT_IDEMPOTENCY_KEYS = 100_000

export const DEFAULT_ORDER_HUB_OPTIONS: OrderHubOptions = {
  flushIntervalMs: 100,
  highWaterMarkBytes: 256 * 1024,
  maxQueuedBytes: 1024 * 1024,
  maxPendingOrders: 10_000,
  messagesPerSecond: 10,
  messageBurst: 20,
  heartbeatIntervalMs: 15_000,
  snapshotLimit: 100,
}

/** The numbers of the plugin's options with their defaults, each checked once. */
export function resolveCommerceNumbers(options: CommercePluginOptions): {
  idempotencyKeys: number
  maxWaitMs: number
  pollMs: number
  live: OrderHubOptions
} {
  const numbers = {
    idempotencyKeys: options.idempotencyKeys ?? DEFAULT_IDEMPOTENCY_KEYS,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
  }
  const live = { ...DEFAULT_ORDER_HUB_OPTIONS, ...options.live }
  const problems = [...positiveIntegers('commerce', numbers), ...positiveIntegers('commerce.live', live)]
  if (numbers.maxWaitMs > 60_000) problems.push('commerce.maxWaitMs must be at most 60000')
  if (live.maxQueuedBytes < live.highWaterMarkBytes)
    problems.push('commerce.live.maxQueuedBytes must not be below commerce.live.highWaterMarkBytes')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return { ...numbers, live }
}
