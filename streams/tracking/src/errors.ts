/**
 * Error codes of the tracking application. The `PING_*` codes are also the reasons dead letters carry
 * in their `errorCode` field, so an operator reads why a ping was refused without our source.
 */
export const TRACKING_ERROR_CODES = {
  /** Latitude outside [-90, 90] or longitude outside [-180, 180], or not a number. */
  PING_COORDINATES_OUT_OF_RANGE: 'OXA_TRACKING_PING_COORDINATES_OUT_OF_RANGE',
  /** A field is missing, negative or not finite, or the machine id differs from the record key. */
  PING_INVALID_FIELD: 'OXA_TRACKING_PING_INVALID_FIELD',
  /** The fix was taken later than the record was sent, beyond the allowed clock skew. */
  PING_FUTURE_EVENT_TIME: 'OXA_TRACKING_PING_FUTURE_EVENT_TIME',
  /** The pingId was accepted already: a resend. */
  PING_DUPLICATE: 'OXA_TRACKING_PING_DUPLICATE',
  /** Reaching the fix from the machine's newest accepted one would need an impossible speed. */
  PING_IMPOSSIBLE_JUMP: 'OXA_TRACKING_PING_IMPOSSIBLE_JUMP',
  /** A tombstone (null value) on the pings topic: there is nothing to track. */
  PING_EMPTY: 'OXA_TRACKING_PING_EMPTY',
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_TRACKING_INVALID_OPTIONS',
} as const

export type TrackingErrorCode = (typeof TRACKING_ERROR_CODES)[keyof typeof TRACKING_ERROR_CODES]

export interface TrackingErrorContext {
  readonly path?: string
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly field?: string
}

export class TrackingError extends Error {
  readonly code: TrackingErrorCode
  /** Whether trying again may help; validation and configuration errors never do. */
  readonly retriable: boolean
  readonly context: TrackingErrorContext

  constructor(
    code: TrackingErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: TrackingErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TrackingError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}
