/** Error codes of the ops CLI. */
export const OPS_ERROR_CODES = {
  /** Bad command-line arguments; the message says which and the usage follows. */
  USAGE: 'OXA_OPS_USAGE',
  /** The application's group still has members: a reset would race them. The message names them. */
  GROUP_ACTIVE: 'OXA_OPS_GROUP_ACTIVE',
  /** A topic, partition or offset asked for does not exist. */
  NOT_FOUND: 'OXA_OPS_NOT_FOUND',
  /** A record on a dead-letter topic is not a readable dead-letter envelope. */
  INVALID_DEAD_LETTER: 'OXA_OPS_INVALID_DEAD_LETTER',
  /** The local state directory could not be removed. */
  STATE_DIR: 'OXA_OPS_STATE_DIR',
} as const

export type OpsErrorCode = (typeof OPS_ERROR_CODES)[keyof typeof OPS_ERROR_CODES]

export interface OpsErrorContext {
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly groupId?: string
  /** The argument or option at fault, for USAGE. */
  readonly argument?: string
}

export class OpsError extends Error {
  readonly code: OpsErrorCode
  /** True when running the same command again later may succeed (members still leaving the group). */
  readonly retriable: boolean
  readonly context: OpsErrorContext

  constructor(
    code: OpsErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: OpsErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'OpsError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export function usageError(message: string, argument?: string): OpsError {
  return new OpsError(OPS_ERROR_CODES.USAGE, message, argument === undefined ? {} : { context: { argument } })
}
