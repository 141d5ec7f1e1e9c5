/** Error codes of the conformance suite. */
export const CONFORMANCE_ERROR_CODES = {
  TOOL_MISSING: 'OXA_CONFORMANCE_TOOL_MISSING',
  JAVA_BUILD_FAILED: 'OXA_CONFORMANCE_JAVA_BUILD_FAILED',
  JAVA_RUN_FAILED: 'OXA_CONFORMANCE_JAVA_RUN_FAILED',
} as const
export type ConformanceErrorCode = (typeof CONFORMANCE_ERROR_CODES)[keyof typeof CONFORMANCE_ERROR_CODES]

export class ConformanceError extends Error {
  readonly code: ConformanceErrorCode

  constructor(code: ConformanceErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ConformanceError'
    this.code = code
  }
}
