import { KAFKA_ERROR_CODES, KafkaError, errorMessage, type KafkaErrorContext } from './errors.ts'

type Resource = NonNullable<KafkaErrorContext['resource']>

/** The broker's authorization errors (Kafka's protocol error codes and names) and what each refuses. */
const NOT_AUTHORIZED: readonly {
  readonly code: number
  readonly type: string
  readonly resource: Resource
}[] = [
  { code: 29, type: 'TOPIC_AUTHORIZATION_FAILED', resource: 'topic' },
  { code: 30, type: 'GROUP_AUTHORIZATION_FAILED', resource: 'group' },
  { code: 31, type: 'CLUSTER_AUTHORIZATION_FAILED', resource: 'cluster' },
  { code: 53, type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', resource: 'transactionalId' },
]

/** Kafka's SASL_AUTHENTICATION_FAILED, and librdkafka's own _AUTHENTICATION (-169) and _SSL (-181). */
const AUTHENTICATION_CODES = new Set([58, -169, -181])
const AUTHENTICATION_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
])

/**
 * An error and the errors it wraps, a few levels deep: `cause`, kafkajs' `originalError`, and the
 * `errors` of an aggregate (kafkajs' createTopics reports each topic's answer there).
 */
function causes(error: unknown, depth = 0): object[] {
  if (error === null || typeof error !== 'object' || depth > 4) return []
  const e = error as { cause?: unknown; originalError?: unknown; errors?: unknown }
  return [
    error,
    ...causes(e.cause ?? e.originalError, depth + 1),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x: unknown) => causes(x, depth + 1)) : []),
  ]
}

/**
 * The broker's "you may not" as a typed error naming what was asked and what the user lacks, or
 * undefined for any other failure. `type` is the protocol error's name (kafkajs), `code` its number
 * (librdkafka). Never retriable: asking again with the same credentials gets the same answer.
 */
export function securityError(
  what: string,
  error: unknown,
  answer: { readonly type?: string | undefined; readonly code?: number | undefined },
): KafkaError | undefined {
  const found = causes(error)
  const types = new Set<string | undefined>([answer.type])
  for (const e of found) {
    const type = (e as { type?: unknown }).type
    if (typeof type === 'string') types.add(type)
  }
  const refused = NOT_AUTHORIZED.find((r) => types.has(r.type) || r.code === answer.code)
  if (refused !== undefined) {
    return new KafkaError(
      KAFKA_ERROR_CODES.NOT_AUTHORIZED,
      `${what}: not authorized (${refused.type}): the user's ACLs allow nothing of the kind on this ${refused.resource}: ${errorMessage(error)}`,
      { cause: error, context: { resource: refused.resource } },
    )
  }
  if (
    [...types].some((t) => t !== undefined && AUTHENTICATION_TYPES.has(t)) ||
    (answer.code !== undefined && AUTHENTICATION_CODES.has(answer.code)) ||
    found.some((e) => (e as { name?: unknown }).name === 'KafkaJSSASLAuthenticationError')
  ) {
    return new KafkaError(
      KAFKA_ERROR_CODES.AUTHENTICATION,
      `${what}: authentication failed (check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_FILE): ${errorMessage(error)}`,
      { cause: error },
    )
  }
  return undefined
}
