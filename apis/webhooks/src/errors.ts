/** Error codes of the payment provider's webhook contract. */
export const WEBHOOK_ERROR_CODES = {
  /** Options are invalid; the message names the path. */
  INVALID_OPTIONS: 'OXA_WEBHOOK_INVALID_OPTIONS',
  /** No signature header came with the notification. */
  SIGNATURE_MISSING: 'OXA_WEBHOOK_SIGNATURE_MISSING',
  /** The header is not `t=<unix seconds>,v1=<64 hex>[,v1=...]`. */
  SIGNATURE_MALFORMED: 'OXA_WEBHOOK_SIGNATURE_MALFORMED',
  /** The signed timestamp lies outside the tolerance: a replay, or a clock far off. */
  SIGNATURE_STALE: 'OXA_WEBHOOK_SIGNATURE_STALE',
  /** No signature matches the body under the shared secret: tampered, or another secret. */
  SIGNATURE_MISMATCH: 'OXA_WEBHOOK_SIGNATURE_MISMATCH',
} as const

export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[keyof typeof WEBHOOK_ERROR_CODES]

export class WebhookError extends Error {
  readonly code: WebhookErrorCode
  /** Whether trying again may help: never for a signature; a new delivery is a new signature. */
  readonly retriable = false
  /** The option or header the error is about. */
  readonly path: string | undefined

  constructor(code: WebhookErrorCode, message: string, options: { cause?: unknown; path?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WebhookError'
    this.code = code
    this.path = options.path
  }
}
