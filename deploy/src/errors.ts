/** Error codes of the deployment package. */
export const DEPLOY_ERROR_CODES = {
  /** A topology writes to a topic chosen per record: no ACL can name it ahead of time. */
  UNRESOLVABLE_TOPIC: 'OXA_DEPLOY_UNRESOLVABLE_TOPIC',
  /** A workload names an application the registry does not hold, or two entries share a name. */
  UNKNOWN_APPLICATION: 'OXA_DEPLOY_UNKNOWN_APPLICATION',
  /** A schema (CRD) a manifest is validated against is not where the package keeps it. */
  SCHEMA_MISSING: 'OXA_DEPLOY_SCHEMA_MISSING',
  /** A generated file differs from what the code generates, or a manifest is invalid. */
  INVALID_MANIFEST: 'OXA_DEPLOY_INVALID_MANIFEST',
} as const

export type DeployErrorCode = (typeof DEPLOY_ERROR_CODES)[keyof typeof DEPLOY_ERROR_CODES]

export class DeployError extends Error {
  readonly code: DeployErrorCode
  /** Never: each of these stays so until someone changes the code or the files. */
  readonly retriable = false
  readonly context: Readonly<Record<string, string>>

  constructor(
    code: DeployErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'DeployError'
    this.code = code
    this.context = options.context ?? {}
  }
}
