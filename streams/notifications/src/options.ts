import type {
  BookingEvent,
  DeadLetter,
  Notification,
  NotificationDelivery,
  NotificationPreference,
  OrderEvent,
  StockEvent,
} from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { invalidOptions } from './errors.ts'

/** The topics the notifications application and the channel worker read and write. */
export interface NotificationsTopics {
  readonly orderEvents: string
  readonly stockEvents: string
  readonly bookingEvents: string
  readonly preferences: string
  readonly outbox: string
  readonly deliveries: string
  readonly deadLetters: string
}

export const DEFAULT_NOTIFICATIONS_TOPICS: NotificationsTopics = Object.freeze({
  orderEvents: TOPICS.orderEvents.name,
  stockEvents: TOPICS.stockEvents.name,
  bookingEvents: TOPICS.bookingEvents.name,
  preferences: TOPICS.notificationPreferences.name,
  outbox: TOPICS.notificationOutbox.name,
  deliveries: TOPICS.notificationDeliveries.name,
  deadLetters: TOPICS.notificationsDeadLetters.name,
})

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface NotificationsSerdes {
  readonly orderEvent: Serde<OrderEvent>
  readonly stockEvent: Serde<StockEvent>
  readonly bookingEvent: Serde<BookingEvent>
  readonly preference: Serde<NotificationPreference>
  readonly notification: Serde<Notification>
  readonly delivery: Serde<NotificationDelivery>
  readonly deadLetter: Serde<DeadLetter>
}

export interface NotificationsOptions {
  readonly serdes: NotificationsSerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<NotificationsTopics>
  /** Who is told of low stock: recipient ids of operators (`operator:<id>`), each with preferences. */
  readonly stockRecipients?: readonly string[]
  /** How often (wall clock) notifications held for quiet hours are looked at; ms. Default 30 s. */
  readonly releaseIntervalMs?: number
  /**
   * How long (stream time) an order's or booking's customer is kept after its last event, for the
   * events that carry none; ms. Default 30 days.
   */
  readonly subjectRetentionMs?: number
}

export interface ResolvedNotificationsOptions {
  readonly serdes: NotificationsSerdes
  readonly topics: NotificationsTopics
  readonly stockRecipients: readonly string[]
  readonly releaseIntervalMs: number
  readonly subjectRetentionMs: number
}

/** The default operator told of low stock: the warehouse team. */
export const DEFAULT_STOCK_RECIPIENTS: readonly string[] = Object.freeze(['operator:warehouse'])

const TOPIC_NAME = /^[A-Za-z0-9._-]+$/
const RECIPIENT = /^[A-Za-z0-9:._@-]{1,128}$/
const SERDES = [
  'orderEvent',
  'stockEvent',
  'bookingEvent',
  'preference',
  'notification',
  'delivery',
  'deadLetter',
] as const
const OPTIONS = ['serdes', 'topics', 'stockRecipients', 'releaseIntervalMs', 'subjectRetentionMs']

function isSerde(value: unknown): boolean {
  const s = value as Partial<Serde<unknown>> | undefined
  return typeof s?.serialize === 'function' && typeof s.deserialize === 'function'
}

/** Topic names: the defaults overlaid with the given ones, each valid and all different. */
export function resolveTopics(
  topics: Partial<NotificationsTopics> = {},
  problems: string[] = [],
): NotificationsTopics {
  for (const [name, value] of Object.entries(topics)) {
    if (!(name in DEFAULT_NOTIFICATIONS_TOPICS)) problems.push(`/options/topics/${name} is not an option`)
    else if (typeof value !== 'string' || !TOPIC_NAME.test(value))
      problems.push(`/options/topics/${name} must be a topic name, got ${JSON.stringify(value)}`)
  }
  const resolved = { ...DEFAULT_NOTIFICATIONS_TOPICS, ...topics }
  const names = Object.values(resolved)
  if (new Set(names).size !== names.length)
    problems.push(`/options/topics must name ${names.length} different topics, got ${names.join(', ')}`)
  return resolved
}

function positiveInteger(problems: string[], path: string, value: unknown): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1))
    problems.push(`${path} must be a positive integer, got ${JSON.stringify(value)}`)
}

/** Validates once, at the boundary, and fills in the defaults; every problem is named. */
export function resolveNotificationsOptions(options: NotificationsOptions): ResolvedNotificationsOptions {
  const problems: string[] = []
  for (const key of Object.keys(options))
    if (!OPTIONS.includes(key)) problems.push(`/options/${key} is not an option`)
  for (const k of SERDES)
    if (!isSerde(options.serdes?.[k])) problems.push(`/options/serdes/${k} must be a Serde`)
  const topics = resolveTopics(options.topics, problems)
  const stockRecipients = options.stockRecipients ?? DEFAULT_STOCK_RECIPIENTS
  stockRecipients.forEach((r, i) => {
    if (typeof r !== 'string' || !RECIPIENT.test(r))
      problems.push(`/options/stockRecipients/${i} must be a recipient id, got ${JSON.stringify(r)}`)
  })
  positiveInteger(problems, '/options/releaseIntervalMs', options.releaseIntervalMs)
  positiveInteger(problems, '/options/subjectRetentionMs', options.subjectRetentionMs)
  if (problems.length > 0) throw invalidOptions(problems)
  return {
    serdes: options.serdes,
    topics,
    stockRecipients: [...stockRecipients],
    releaseIntervalMs: options.releaseIntervalMs ?? 30_000,
    subjectRetentionMs: options.subjectRetentionMs ?? 30 * 86_400_000,
  }
}
