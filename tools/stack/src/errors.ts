/** Error codes of the local stack. */
export const STACK_ERROR_CODES = {
  INSTALL_FAILED: 'OXA_STACK_INSTALL_FAILED',
  PORT_IN_USE: 'OXA_STACK_PORT_IN_USE',
  START_FAILED: 'OXA_STACK_START_FAILED',
  UNHEALTHY: 'OXA_STACK_UNHEALTHY',
  STOP_FAILED: 'OXA_STACK_STOP_FAILED',
  MISSING_TOOL: 'OXA_STACK_MISSING_TOOL',
  INVALID_CONFIG: 'OXA_STACK_INVALID_CONFIG',
} as const

export type StackErrorCode = (typeof STACK_ERROR_CODES)[keyof typeof STACK_ERROR_CODES]

export class StackError extends Error {
  readonly code: StackErrorCode
  readonly service: string

  constructor(code: StackErrorCode, service: string, message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options)
    this.name = 'StackError'
    this.code = code
    this.service = service
  }
}
