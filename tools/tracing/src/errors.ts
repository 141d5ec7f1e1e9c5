/** Error codes of the tracing package. */
export const TRACING_ERROR_CODES = {
  /** A tracing setting (an OTEL_* variable) that cannot work; the message names it. */
  INVALID_CONFIG: 'OXA_TRACING_INVALID_CONFIG',
} as const

export type TracingErrorCode = (typeof TRACING_ERROR_CODES)[keyof typeof TRACING_ERROR_CODES]

export class TracingError extends Error {
  readonly code: TracingErrorCode
  /** The variable at fault. */
  readonly setting: string

  constructor(code: TracingErrorCode, message: string, setting: string) {
    super(message)
    this.name = 'TracingError'
    this.code = code
    this.setting = setting
  }
}
