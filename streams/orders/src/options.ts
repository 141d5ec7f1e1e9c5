import type {
  DeadLetter,
  OrderCommand,
  OrderEvent,
  OrderStatus,
  OrderValidation,
  PaymentCommand,
  PaymentEvent,
  Product,
  StockCommand,
} from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import {
  catalogueNames,
  describeTopics,
  TOPICS,
  type TopicDescriptors,
  type TopicNames,
} from '@oxagry/topics'
import { ORDERS_ERROR_CODES, OrdersError } from './errors.ts'

/** The topics the application reads and writes, by role, as the catalogue declares them. */
export const ORDERS_TOPICS = {
  /** OrderPlaced in (from the checkout), decisions out. */
  orderEvents: TOPICS.orderEvents,
  orderCommands: TOPICS.orderCommands,
  orderValidations: TOPICS.orderValidations,
  orderStatus: TOPICS.orderStatus,
  paymentEvents: TOPICS.paymentEvents,
  paymentCommands: TOPICS.paymentCommands,
  stockCommands: TOPICS.stockCommands,
  products: TOPICS.products,
  deadLetters: TOPICS.ordersDeadLetters,
} as const

/** A topic name per role. */
export type OrdersTopics = TopicNames<typeof ORDERS_TOPICS>

export const DEFAULT_ORDERS_TOPICS: OrdersTopics = catalogueNames(ORDERS_TOPICS)

/** Each topic with its serdes, typed by its contract: what the topology reads and writes. */
export type OrdersTopicDescriptors = TopicDescriptors<typeof ORDERS_TOPICS>

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface OrdersSerdes {
  readonly orderEvent: Serde<OrderEvent>
  readonly orderCommand: Serde<OrderCommand>
  readonly orderValidation: Serde<OrderValidation>
  readonly orderStatus: Serde<OrderStatus>
  readonly paymentEvent: Serde<PaymentEvent>
  readonly paymentCommand: Serde<PaymentCommand>
  readonly stockCommand: Serde<StockCommand>
  readonly product: Serde<Product>
  readonly deadLetter: Serde<DeadLetter>
}

/** How long the orders application waits, in wall-clock milliseconds. */
export interface OrdersTimeouts {
  /** INVENTORY and FRAUD must answer within this; then the order is cancelled (TIMED_OUT). */
  readonly validationTimeoutMs: number
  /** PAYMENT must answer within this (a provider outage is waited out); then PAYMENT_FAILED. */
  readonly paymentDeadlineMs: number
  /** An undecided order's reservations lapse after this; longer than both waits above. */
  readonly reservationTtlMs: number
  /** How often deadlines are looked at. */
  readonly punctuateEveryMs: number
}

export interface OrdersOptions {
  readonly serdes: OrdersSerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<OrdersTopics>
  readonly timeouts?: Partial<OrdersTimeouts>
}

export interface ResolvedOrdersOptions {
  readonly serdes: OrdersSerdes
  readonly topics: OrdersTopics
  /** The topics with their serdes. */
  readonly descriptors: OrdersTopicDescriptors
  readonly timeouts: OrdersTimeouts
}

export const DEFAULT_ORDERS_TIMEOUTS: OrdersTimeouts = Object.freeze({
  validationTimeoutMs: 30_000,
  paymentDeadlineMs: 10 * 60_000,
  reservationTtlMs: 15 * 60_000,
  punctuateEveryMs: 1_000,
})

/** Validated once, here: every later read trusts these values. */
export function resolveOrdersOptions(options: OrdersOptions): ResolvedOrdersOptions {
  const timeouts = { ...DEFAULT_ORDERS_TIMEOUTS, ...options.timeouts }
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new OrdersError(
        ORDERS_ERROR_CODES.INVALID_OPTIONS,
        `timeouts.${name} must be a positive integer of milliseconds, got ${JSON.stringify(value)}`,
        { path: `timeouts.${name}` },
      )
  }
  if (timeouts.reservationTtlMs <= Math.max(timeouts.validationTimeoutMs, timeouts.paymentDeadlineMs))
    throw new OrdersError(
      ORDERS_ERROR_CODES.INVALID_OPTIONS,
      'timeouts.reservationTtlMs must be longer than the validation time-out and the payment deadline, or a reservation could lapse before its order is decided',
      { path: 'timeouts.reservationTtlMs' },
    )
  const topics = { ...DEFAULT_ORDERS_TOPICS, ...options.topics }
  const s = options.serdes
  const serdes = {
    orderEvents: s.orderEvent,
    orderCommands: s.orderCommand,
    orderValidations: s.orderValidation,
    orderStatus: s.orderStatus,
    paymentEvents: s.paymentEvent,
    paymentCommands: s.paymentCommand,
    stockCommands: s.stockCommand,
    products: s.product,
    deadLetters: s.deadLetter,
  }
  return { serdes: s, topics, descriptors: describeTopics(ORDERS_TOPICS, serdes, topics), timeouts }
}
