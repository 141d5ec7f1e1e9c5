/** Error codes of the fleet API and the HTTP status each maps to, in one table. */
export const API_ERRORS = {
  OXA_API_NOT_FOUND: 404,
  OXA_API_BAD_REQUEST: 400,
  OXA_API_NOT_READY: 503,
  OXA_API_UPSTREAM: 502,
} as const

export type ApiErrorCode = keyof typeof API_ERRORS

export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly statusCode: number

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ApiError'
    this.code = code
    this.statusCode = API_ERRORS[code]
  }
}
