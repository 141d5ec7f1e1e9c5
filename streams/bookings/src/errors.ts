/** Error codes of the bookings application. */
export const BOOKINGS_ERROR_CODES = {
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_BOOKINGS_INVALID_OPTIONS',
} as const

export type BookingsErrorCode = (typeof BOOKINGS_ERROR_CODES)[keyof typeof BOOKINGS_ERROR_CODES]

export class BookingsError extends Error {
  readonly code: BookingsErrorCode
  readonly retriable = false
  readonly context: { readonly path?: string }

  constructor(code: BookingsErrorCode, message: string, context: { path?: string } = {}) {
    super(message)
    this.name = 'BookingsError'
    this.code = code
    this.context = context
  }
}
