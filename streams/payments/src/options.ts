import type {
  DeadLetter,
  OrderEvent,
  OrderValidation,
  PaymentCommand,
  PaymentEvent,
  ProviderNotification,
} from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { invalidOptions } from './errors.ts'

/** The topics the payments application and the gateway read and write. */
export interface PaymentsTopics {
  readonly paymentCommands: string
  readonly paymentEvents: string
  readonly orderEvents: string
  readonly orderValidations: string
  readonly deadLetters: string
  /** The gateway's pending notes and the provider's webhook reports. */
  readonly providerNotifications: string
}

export const DEFAULT_PAYMENTS_TOPICS: PaymentsTopics = Object.freeze({
  paymentCommands: TOPICS.paymentCommands.name,
  paymentEvents: TOPICS.paymentEvents.name,
  orderEvents: TOPICS.orderEvents.name,
  orderValidations: TOPICS.orderValidations.name,
  deadLetters: TOPICS.paymentsDeadLetters.name,
  providerNotifications: TOPICS.providerNotifications.name,
})

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface PaymentsSerdes {
  readonly paymentCommand: Serde<PaymentCommand>
  readonly paymentEvent: Serde<PaymentEvent>
  readonly orderEvent: Serde<OrderEvent>
  readonly validation: Serde<OrderValidation>
  readonly deadLetter: Serde<DeadLetter>
  readonly providerNotification: Serde<ProviderNotification>
}

export interface FraudOptions {
  /** The sliding window of event time a customer's spend is summed over; ms. Default one hour. */
  readonly windowMs?: number
  /** Spend above this, in minor units, fails the check, for currencies without their own limit. */
  readonly defaultLimitMinor?: number
  /** Per-currency limits in minor units, e.g. `{ EUR: 500_000 }`. */
  readonly limitsMinor?: Readonly<Record<string, number>>
  /** How often (stream time) the stores drop orders older than the window; ms. */
  readonly pruneIntervalMs?: number
}

export interface PaymentsOptions {
  readonly serdes: PaymentsSerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<PaymentsTopics>
  readonly fraud?: FraudOptions
  /** How long (stream time) a payment's answer is remembered, so a replayed event answers once; ms. Default 7 days. */
  readonly answerRetentionMs?: number
  readonly notifications?: NotificationsOptions
}

/** The provider notifications' sub-topology. */
export interface NotificationsOptions {
  /**
   * How long (wall clock) a provider's report may wait for the gateway's note that its call is
   * pending before it is dead-lettered as unmatched; ms. Default 10 minutes.
   */
  readonly unmatchedNotificationMs?: number
  /** How often (wall clock) waiting reports are looked at; ms. Default 5 s. */
  readonly checkIntervalMs?: number
}

export interface ResolvedFraudOptions {
  readonly windowMs: number
  readonly defaultLimitMinor: number
  readonly limitsMinor: Readonly<Record<string, number>>
  readonly pruneIntervalMs: number
}

export interface ResolvedPaymentsOptions {
  readonly serdes: PaymentsSerdes
  readonly topics: PaymentsTopics
  readonly fraud: ResolvedFraudOptions
  readonly answerRetentionMs: number
  readonly notifications: Required<NotificationsOptions>
}

export const DEFAULT_FRAUD: ResolvedFraudOptions = Object.freeze({
  windowMs: 3_600_000,
  defaultLimitMinor: 1_000_000,
  limitsMinor: Object.freeze({}),
  pruneIntervalMs: 60_000,
})

export const DEFAULT_ANSWER_RETENTION_MS = 7 * 24 * 3_600_000

export const DEFAULT_NOTIFICATIONS: Required<NotificationsOptions> = Object.freeze({
  unmatchedNotificationMs: 10 * 60_000,
  checkIntervalMs: 5_000,
})

const TOPIC_NAME = /^[A-Za-z0-9._-]+$/
const CURRENCY = /^[A-Z]{3}$/
const SERDES = [
  'paymentCommand',
  'paymentEvent',
  'orderEvent',
  'validation',
  'deadLetter',
  'providerNotification',
] as const

function isSerde(value: unknown): boolean {
  const s = value as Partial<Serde<unknown>> | undefined
  return typeof s?.serialize === 'function' && typeof s.deserialize === 'function'
}

/** Topic names: the defaults overlaid with the given ones, each valid and all different. */
export function resolveTopics(topics: Partial<PaymentsTopics> = {}, problems: string[] = []): PaymentsTopics {
  for (const [name, value] of Object.entries(topics)) {
    if (!(name in DEFAULT_PAYMENTS_TOPICS)) problems.push(`/options/topics/${name} is not an option`)
    else if (typeof value !== 'string' || !TOPIC_NAME.test(value))
      problems.push(`/options/topics/${name} must be a topic name, got ${JSON.stringify(value)}`)
  }
  const resolved = { ...DEFAULT_PAYMENTS_TOPICS, ...topics }
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
export function resolvePaymentsOptions(options: PaymentsOptions): ResolvedPaymentsOptions {
  const problems: string[] = []
  for (const key of Object.keys(options))
    if (!['serdes', 'topics', 'fraud', 'answerRetentionMs', 'notifications'].includes(key))
      problems.push(`/options/${key} is not an option`)
  for (const k of SERDES)
    if (!isSerde(options.serdes?.[k])) problems.push(`/options/serdes/${k} must be a Serde`)
  const topics = resolveTopics(options.topics, problems)
  const fraud = options.fraud ?? {}
  for (const key of Object.keys(fraud))
    if (!(key in DEFAULT_FRAUD)) problems.push(`/options/fraud/${key} is not an option`)
  positiveInteger(problems, '/options/answerRetentionMs', options.answerRetentionMs)
  const notifications = options.notifications ?? {}
  for (const key of Object.keys(notifications))
    if (!(key in DEFAULT_NOTIFICATIONS)) problems.push(`/options/notifications/${key} is not an option`)
  positiveInteger(
    problems,
    '/options/notifications/unmatchedNotificationMs',
    notifications.unmatchedNotificationMs,
  )
  positiveInteger(problems, '/options/notifications/checkIntervalMs', notifications.checkIntervalMs)
  positiveInteger(problems, '/options/fraud/windowMs', fraud.windowMs)
  positiveInteger(problems, '/options/fraud/defaultLimitMinor', fraud.defaultLimitMinor)
  positiveInteger(problems, '/options/fraud/pruneIntervalMs', fraud.pruneIntervalMs)
  for (const [currency, limit] of Object.entries(fraud.limitsMinor ?? {})) {
    if (!CURRENCY.test(currency))
      problems.push(`/options/fraud/limitsMinor/${currency} must be keyed by an ISO 4217 code`)
    positiveInteger(problems, `/options/fraud/limitsMinor/${currency}`, limit)
  }
  if (problems.length > 0) throw invalidOptions(problems)
  return {
    serdes: options.serdes,
    topics,
    fraud: {
      windowMs: fraud.windowMs ?? DEFAULT_FRAUD.windowMs,
      defaultLimitMinor: fraud.defaultLimitMinor ?? DEFAULT_FRAUD.defaultLimitMinor,
      limitsMinor: { ...fraud.limitsMinor },
      pruneIntervalMs: fraud.pruneIntervalMs ?? DEFAULT_FRAUD.pruneIntervalMs,
    },
    answerRetentionMs: options.answerRetentionMs ?? DEFAULT_ANSWER_RETENTION_MS,
    notifications: { ...DEFAULT_NOTIFICATIONS, ...notifications },
  }
}
