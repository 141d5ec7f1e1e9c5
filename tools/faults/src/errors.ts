/** Error codes of the fault suite. */
export const FAULTS_ERROR_CODES = {
  INVALID_OPTIONS: 'OXA_FAULTS_INVALID_OPTIONS',
  STACK_FAILED: 'OXA_FAULTS_STACK_FAILED',
  NOT_SETTLED: 'OXA_FAULTS_NOT_SETTLED',
  WORKER_FAILED: 'OXA_FAULTS_WORKER_FAILED',
  INJECTION_FAILED: 'OXA_FAULTS_INJECTION_FAILED',
} as const

export type FaultsErrorCode = (typeof FAULTS_ERROR_CODES)[keyof typeof FAULTS_ERROR_CODES]

export class FaultsError extends Error {
  readonly code: FaultsErrorCode
  /** Whether running the suite again may pass (a slow machine) rather than meet the same fault. */
  readonly canRetry: boolean
  readonly context: Readonly<Record<string, unknown>>

  constructor(
    code: FaultsErrorCode,
    message: string,
    options: { cause?: unknown; canRetry?: boolean; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FaultsError'
    this.code = code
    this.canRetry = options.canRetry ?? false
    this.context = options.context ?? {}
  }
}
