/** Error codes of the Kafka client package. */
export const KAFKA_ERROR_CODES = {
  /** The broker refused or failed a call; `retriable` says whether asking again later can help. */
  BROKER: 'OXA_KAFKA_BROKER',
  /** A newer producer with the same transactional id exists: this one may not write again. */
  FENCED: 'OXA_KAFKA_FENCED',
  /** The group moved on (a rebalance, or this member timed out of it) and refused the member's commit. */
  REBALANCED: 'OXA_KAFKA_REBALANCED',
  /** A client was used against its contract (a transactional producer outside a transaction...). */
  USAGE: 'OXA_KAFKA_USAGE',
  /** A client library is not installed here (node-rdkafka is optional: its native build may fail). */
  CLIENT_UNAVAILABLE: 'OXA_KAFKA_CLIENT_UNAVAILABLE',
  /** Connection settings (brokers, TLS, SASL) that cannot work; the message names the setting. */
  INVALID_CONFIG: 'OXA_KAFKA_INVALID_CONFIG',
  /** Options of the transactional worker that cannot work; the message names every path at fault. */
  INVALID_OPTIONS: 'OXA_KAFKA_INVALID_OPTIONS',
  /** The broker refused the client's credentials (SASL) or the client refused the broker's certificate. */
  AUTHENTICATION: 'OXA_KAFKA_AUTHENTICATION',
  /** The broker's authorizer refused the call: the user's ACLs do not allow it on the named resource. */
  NOT_AUTHORIZED: 'OXA_KAFKA_NOT_AUTHORIZED',
} as const

export type KafkaErrorCode = (typeof KAFKA_ERROR_CODES)[keyof typeof KAFKA_ERROR_CODES]

/** Where an error happened, when it concerns one topic or partition. */
export interface KafkaErrorContext {
  readonly topic?: string
  readonly partition?: number
  /** The setting at fault, for INVALID_CONFIG: an environment variable or an option path. */
  readonly setting?: string
  /** The kind of resource refused, for NOT_AUTHORIZED: `topic`, `group`, `transactionalId` or `cluster`. */
  readonly resource?: 'topic' | 'group' | 'transactionalId' | 'cluster'
}

export class KafkaError extends Error {
  readonly code: KafkaErrorCode
  /** Whether trying again (the same call, later) can help. */
  readonly retriable: boolean
  readonly context: KafkaErrorContext

  constructor(
    code: KafkaErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: KafkaErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'KafkaError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
