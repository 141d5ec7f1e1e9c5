/** Error codes of the notifications application and the channel worker. */
export const NOTIFICATIONS_ERROR_CODES = {
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_NOTIFICATIONS_INVALID_OPTIONS',
  /** The simulated provider's log of sent messages cannot be read or written. */
  SENT_LOG: 'OXA_NOTIFICATIONS_SENT_LOG',
  /** The channel provider cannot be reached or failed for now: retried with back-off. */
  CHANNEL_UNAVAILABLE: 'OXA_NOTIFICATIONS_CHANNEL_UNAVAILABLE',
  /** The provider refused the message for good (a bad address): not retried. */
  CHANNEL_REJECTED: 'OXA_NOTIFICATIONS_CHANNEL_REJECTED',
  /** Every retry failed: the notification is dead-lettered with the last reason. */
  DELIVERY_FAILED: 'OXA_NOTIFICATIONS_DELIVERY_FAILED',
  /** An outbox record that cannot be decoded: dead-lettered, never retried. */
  NOTIFICATION_UNREADABLE: 'OXA_NOTIFICATIONS_NOTIFICATION_UNREADABLE',
  /** The worker cannot go on (a broker error, a fenced producer): it stops without committing. */
  WORKER_FAILED: 'OXA_NOTIFICATIONS_WORKER_FAILED',
} as const

export type NotificationsErrorCode =
  (typeof NOTIFICATIONS_ERROR_CODES)[keyof typeof NOTIFICATIONS_ERROR_CODES]

export interface NotificationsErrorContext {
  readonly path?: string
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly notificationId?: string
}

export class NotificationsError extends Error {
  readonly code: NotificationsErrorCode
  /** Whether trying again may help; validation and configuration errors never do. */
  readonly retriable: boolean
  readonly context: NotificationsErrorContext

  constructor(
    code: NotificationsErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: NotificationsErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NotificationsError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export function invalidOptions(problems: readonly string[]): NotificationsError {
  return new NotificationsError(
    NOTIFICATIONS_ERROR_CODES.INVALID_OPTIONS,
    `invalid notifications options:\n  ${problems.join('\n  ')}`,
    { context: { path: problems[0]?.split(' ')[0] ?? '/options' } },
  )
}
