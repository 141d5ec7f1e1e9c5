/** Error codes of API authentication and the HTTP status each answers, in one table. */
export const AUTH_ERRORS = {
  /** No bearer token on a route that needs one. */
  OXA_AUTH_MISSING_TOKEN: 401,
  /** A token that does not verify: signature, issuer, audience, expiry, or not a JWT at all. */
  OXA_AUTH_INVALID_TOKEN: 401,
  /** Authentication is off, which only loopback clients may rely on. */
  OXA_AUTH_LOOPBACK_ONLY: 401,
  /** A valid token without a scope the route needs. */
  OXA_AUTH_INSUFFICIENT_SCOPE: 403,
  /** A customer's token asking for another customer's data. */
  OXA_AUTH_OTHER_CUSTOMER: 403,
  /** A browser page of an origin not on the allow-list. */
  OXA_AUTH_ORIGIN: 403,
  /** The provider's JWKS could not be fetched: not the token's fault, try again. */
  OXA_AUTH_UNAVAILABLE: 503,
} as const

export type AuthErrorCode = keyof typeof AUTH_ERRORS

/** A request refused by authentication; `statusCode` is what an API answers (401 or 403). */
export class AuthError extends Error {
  readonly code: AuthErrorCode
  readonly statusCode: number

  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AuthError'
    this.code = code
    this.statusCode = AUTH_ERRORS[code]
  }
}

/** Authentication options that do not validate; thrown once, before anything listens. */
export class AuthOptionsError extends Error {
  readonly code = 'OXA_AUTH_INVALID_OPTIONS'

  constructor(readonly problems: readonly string[]) {
    super(`invalid authentication options:\n  ${problems.join('\n  ')}`)
    this.name = 'AuthOptionsError'
  }
}
