/** Error codes of the topic catalogue and its tools. */
export const TOPICS_ERROR_CODES = {
  /** The catalogue breaks a rule (naming, co-partitioning, min.insync.replicas above replicas, ...). */
  INVALID_CATALOGUE: 'OXA_TOPICS_INVALID_CATALOGUE',
  /** Options or command-line arguments are invalid. */
  INVALID_OPTIONS: 'OXA_TOPICS_INVALID_OPTIONS',
  /** The cluster cannot host the catalogue as declared (fewer brokers than replicas). */
  CLUSTER_TOO_SMALL: 'OXA_TOPICS_CLUSTER_TOO_SMALL',
  /** git could not answer (not a repository, unknown base ref). */
  GIT_FAILED: 'OXA_TOPICS_GIT_FAILED',
  /** A key string is not in its topic's key format. */
  INVALID_KEY: 'OXA_TOPICS_INVALID_KEY',
} as const

export type TopicsErrorCode = (typeof TOPICS_ERROR_CODES)[keyof typeof TOPICS_ERROR_CODES]

export interface TopicsErrorContext {
  readonly topic?: string
  readonly subject?: string
  readonly path?: string
}

export class TopicsError extends Error {
  readonly code: TopicsErrorCode
  /** True when running the same command again may succeed (the broker was unreachable). */
  readonly retriable: boolean
  readonly context: TopicsErrorContext

  constructor(
    code: TopicsErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: TopicsErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TopicsError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}
