import { ApiOptionsError, positiveIntegers } from '@oxagry/api-http'
import { DEFAULT_TOLERANCE_SECONDS, MIN_SECRET_LENGTH } from '@oxagry/payment-webhooks'
import type { Registry } from 'prom-client'
import type {
  CommerceReadModel,
  NotificationReadModel,
  ReservationReadModel,
  StockReadModel,
} from '@oxagry/sink'
import type { BookingReadModel } from './bookings/view.ts'
import type { IdempotencyDigests } from './idempotency.ts'
import type { OrderHubOptions } from './live/hub.ts'
import type { OrderStatusFeed } from './live/feed.ts'
import { DEFAULT_IDLE_POLL_MS, type DecisionHints } from './wait.ts'
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
  /**
   * The longest `waitFor` a GET may ask for (default 30 s); how often it reads the view again once the
   * change it waits for reached Kafka (the feed says so; 50 ms), and until then (1 s, in case the feed
   * misses it).
   */
  readonly maxWaitMs?: number
  readonly pollMs?: number
  readonly idlePollMs?: number
  readonly live?: Partial<OrderHubOptions>
  /** The clock events are stamped with; tests fix it. */
  readonly now?: () => number
  /** Where the feed's gauges are registered (the platform's one registry); none without it. */
  readonly metrics?: Registry
  /** The payment providers' webhooks; without it the webhook route is not served. */
  readonly webhooks?: PaymentWebhookOptions
  /** Machinery bookings (`bookings.booking-events.v1` folded); without it the bookings routes are not served. */
  readonly bookings?: BookingReadModel
  /** Customers' notifications (the notifications domain's view); without it the route is not served. */
  readonly notifications?: NotificationReadModel
}

/** `POST /api/v1/payments/webhooks/{provider}`: who may call it, proven by a signature. */
export interface PaymentWebhookOptions {
  /** Per provider (as the path names it), the secrets shared with it; two while one is rotated. */
  readonly secrets: Readonly<Record<string, readonly string[]>>
  /** How far a signature's time may lie from ours; seconds. Default 300. */
  readonly toleranceSeconds?: number
}

export interface ResolvedWebhooks {
  readonly secrets: ReadonlyMap<string, readonly string[]>
  readonly toleranceSeconds: number
}

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/

/** The webhook options checked once, every problem named; undefined when none are configured. */
export function resolveWebhooks(options: PaymentWebhookOptions | undefined): ResolvedWebhooks | undefined {
  if (options === undefined) return undefined
  const problems: string[] = []
  const secrets = new Map<string, readonly string[]>()
  const entries = Object.entries(options.secrets ?? {})
  if (entries.length === 0) problems.push('commerce.webhooks.secrets must name at least one provider')
  for (const [provider, list] of entries) {
    if (!PROVIDER_NAME.test(provider))
      problems.push(`commerce.webhooks.secrets.${provider}: a provider is lower-case letters, digits and -`)
    if (!Array.isArray(list) || list.length === 0)
      problems.push(`commerce.webhooks.secrets.${provider} must list at least one secret`)
    else if (list.some((s) => typeof s !== 'string' || s.length < MIN_SECRET_LENGTH))
      problems.push(
        `commerce.webhooks.secrets.${provider}: each secret must be at least ${MIN_SECRET_LENGTH} characters`,
      )
    else secrets.set(provider, [...list])
  }
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (!Number.isSafeInteger(toleranceSeconds) || toleranceSeconds < 1 || toleranceSeconds > 3600)
    problems.push('commerce.webhooks.toleranceSeconds must be a whole number of seconds from 1 to 3600')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return { secrets, toleranceSeconds }
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
  readonly idlePollMs: number
  /** The feed's changes by order, which tell a waiting GET when reading the view again is worth it. */
  readonly hints: DecisionHints
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
  idlePollMs: number
  live: OrderHubOptions
} {
  const numbers = {
    idempotencyKeys: options.idempotencyKeys ?? DEFAULT_IDEMPOTENCY_KEYS,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    idlePollMs: options.idlePollMs ?? DEFAULT_IDLE_POLL_MS,
  }
  const live = { ...DEFAULT_ORDER_HUB_OPTIONS, ...options.live }
  const problems = [...positiveIntegers('commerce', numbers), ...positiveIntegers('commerce.live', live)]
  if (numbers.maxWaitMs > 60_000) problems.push('commerce.maxWaitMs must be at most 60000')
  if (live.maxQueuedBytes < live.highWaterMarkBytes)
    problems.push('commerce.live.maxQueuedBytes must not be below commerce.live.highWaterMarkBytes')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return { ...numbers, live }
}
