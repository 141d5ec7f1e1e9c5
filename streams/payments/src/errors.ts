/** Error codes of the payments application and the payment gateway worker. */
export const PAYMENTS_ERROR_CODES = {
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_PAYMENTS_INVALID_OPTIONS',
  /** The provider's ledger file cannot be read or written, or holds a line that does not parse. */
  LEDGER: 'OXA_PAYMENTS_LEDGER',
  /** A provider call was asked for what the ledger forbids (capture more than authorised...). */
  PROVIDER_REFUSED: 'OXA_PAYMENTS_PROVIDER_REFUSED',
  /** The provider cannot be reached or answers with an outage: retried with back-off. */
  PROVIDER_UNAVAILABLE: 'OXA_PAYMENTS_PROVIDER_UNAVAILABLE',
  /** A payment command that cannot be decoded: dead-lettered, never retried. */
  COMMAND_UNREADABLE: 'OXA_PAYMENTS_COMMAND_UNREADABLE',
  /** The gateway cannot go on (a broker error, a fenced producer): it stops without committing. */
  GATEWAY_FAILED: 'OXA_PAYMENTS_GATEWAY_FAILED',
  /** A provider notification no pending call of the gateway claimed in time: an unknown payment or call. Dead-lettered. */
  NOTIFICATION_UNMATCHED: 'OXA_PAYMENTS_NOTIFICATION_UNMATCHED',
  /** A provider notification that cannot be the outcome of its pending call (currency, amount, operation). Dead-lettered. */
  NOTIFICATION_INVALID: 'OXA_PAYMENTS_NOTIFICATION_INVALID',
  /** The gateway was stopped while a command was in flight: the command stays uncommitted. */
  GATEWAY_STOPPED: 'OXA_PAYMENTS_GATEWAY_STOPPED',
} as const

export type PaymentsErrorCode = (typeof PAYMENTS_ERROR_CODES)[keyof typeof PAYMENTS_ERROR_CODES]

export interface PaymentsErrorContext {
  readonly path?: string
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly paymentId?: string
}

export class PaymentsError extends Error {
  readonly code: PaymentsErrorCode
  /** Whether trying again may help; validation and configuration errors never do. */
  readonly retriable: boolean
  readonly context: PaymentsErrorContext

  constructor(
    code: PaymentsErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: PaymentsErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PaymentsError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export function invalidOptions(problems: readonly string[]): PaymentsError {
  return new PaymentsError(
    PAYMENTS_ERROR_CODES.INVALID_OPTIONS,
    `invalid payments options:\n  ${problems.join('\n  ')}`,
    { context: { path: problems[0]?.split(' ')[0] ?? '/options' } },
  )
}
