/** Error codes of every oxagry API (fleet, commerce) and the HTTP status each maps to, in one table. */
export const API_ERRORS = {
  OXA_API_BAD_REQUEST: 400,
  OXA_API_UNAUTHORIZED: 401,
  OXA_API_FORBIDDEN: 403,
  OXA_API_NOT_FOUND: 404,
  OXA_API_METHOD_NOT_ALLOWED: 405,
  OXA_API_TIMEOUT: 408,
  /** A write that contradicts an earlier one: an idempotency key reused with another body. */
  OXA_API_CONFLICT: 409,
  OXA_API_PAYLOAD_TOO_LARGE: 413,
  OXA_API_URI_TOO_LONG: 414,
  OXA_API_UNSUPPORTED_MEDIA_TYPE: 415,
  OXA_API_RATE_LIMITED: 429,
  OXA_API_INTERNAL: 500,
  OXA_API_UPSTREAM: 502,
  OXA_API_NOT_READY: 503,
  /** The event log (Kafka) did not acknowledge a write in time: nothing was written, retry. */
  OXA_API_UNAVAILABLE: 503,
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

/** The one error body every route answers with; documented as the `ApiError` schema. */
export interface ApiErrorBody {
  readonly statusCode: number
  readonly code: ApiErrorCode
  readonly message: string
}

export const API_ERROR_SCHEMA = {
  $id: 'ApiError',
  type: 'object',
  description: 'Every error answer: the HTTP status, a stable code and a message naming what is wrong',
  required: ['statusCode', 'code', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', enum: Object.keys(API_ERRORS) },
    message: { type: 'string' },
  },
} as const

/**
 * Codes of errors that read-model ports throw for arguments a client chose (a cursor it forged, a limit
 * the store refuses): the client's fault, so a 400, never the store's code. The store names the
 * argument in `context.path` (`/query/cursor`) or at the start of its message.
 */
const CLIENT_INPUT_CODES: ReadonlySet<string> = new Set(['OXA_SINK_INVALID_QUERY'])

/** Fastify's own 4xx errors, by code, as ours; any other 4xx it raises is a 400. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'OXA_API_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'OXA_API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'OXA_API_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'OXA_API_BAD_REQUEST',
  FST_ERR_BAD_URL: 'OXA_API_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'OXA_API_URI_TOO_LONG',
  FST_ERR_RATE_LIMITED: 'OXA_API_RATE_LIMITED',
}

/** By status, for errors of plugins that carry a status but no code of ours (rate limit, CORS, JWT). */
const BY_STATUS: Readonly<Record<number, ApiErrorCode>> = {
  401: 'OXA_API_UNAUTHORIZED',
  403: 'OXA_API_FORBIDDEN',
  404: 'OXA_API_NOT_FOUND',
  405: 'OXA_API_METHOD_NOT_ALLOWED',
  408: 'OXA_API_TIMEOUT',
  413: 'OXA_API_PAYLOAD_TOO_LARGE',
  414: 'OXA_API_URI_TOO_LONG',
  415: 'OXA_API_UNSUPPORTED_MEDIA_TYPE',
  429: 'OXA_API_RATE_LIMITED',
}

function body(code: ApiErrorCode, message: string): ApiErrorBody {
  return { statusCode: API_ERRORS[code], code, message }
}

/**
 * Any error a request raised, as the one body clients see. Messages of server errors are not shown
 * (they may name internals); `internal` says whether to log the error as the server's fault.
 */
export function toErrorBody(error: unknown): { body: ApiErrorBody; internal: boolean } {
  if (error instanceof ApiError)
    return { body: body(error.code, error.message), internal: error.statusCode >= 500 }
  const e = (error ?? {}) as {
    validation?: unknown
    validationContext?: string
    statusCode?: unknown
    code?: unknown
    message?: unknown
    context?: { path?: unknown }
  }
  const message = typeof e.message === 'string' ? e.message : ''
  if (e.validation !== undefined) return { body: body('OXA_API_BAD_REQUEST', message), internal: false }
  if (typeof e.code === 'string' && CLIENT_INPUT_CODES.has(e.code)) {
    // `/query/cursor …` from the store reads `querystring/cursor …` here, as Ajv's own messages do.
    return {
      body: body('OXA_API_BAD_REQUEST', message.replace(/^\/query\//, 'querystring/')),
      internal: false,
    }
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  // A dependency that says it is unavailable (the identity provider's keys): retry later, not a bug.
  if (status === 503 && typeof e.code === 'string')
    return {
      body: body('OXA_API_NOT_READY', 'a service this request needs is unavailable; try again'),
      internal: true,
    }
  if (status >= 400 && status < 500) {
    const code = (typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined) ?? BY_STATUS[status]
    return { body: body(code ?? 'OXA_API_BAD_REQUEST', message), internal: false }
  }
  return { body: body('OXA_API_INTERNAL', 'internal error'), internal: true }
}

/** Options of an API's builder that do not validate; thrown once, before anything listens. */
export class ApiOptionsError extends Error {
  readonly code = 'OXA_API_INVALID_OPTIONS'

  constructor(readonly problems: readonly string[]) {
    super(`invalid API options:\n  ${problems.join('\n  ')}`)
    this.name = 'ApiOptionsError'
  }
}
