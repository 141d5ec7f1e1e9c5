import { askAgain as askAgainFor, type AskAgainOptions } from '../ask-again.ts'
import { securityError } from '../auth-errors.ts'
import { KAFKA_ERROR_CODES, KafkaError, errorMessage } from '../errors.ts'

/** The broker's error type of a kafkajs error, looking through the retry wrappers around it. */
function protocolType(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const type = (e as { type?: unknown }).type
    if (typeof type === 'string') return type
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError
  }
  return undefined
}

// TRANSACTIONAL_ID_AUTHORIZATION_FAILED is not fencing: a user without Write on its transactional id is
// refused for good (NOT_AUTHORIZED), as Kafka Streams fails on TransactionalIdAuthorizationException.
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'])
/** The group moved on (a rebalance, or this member timed out of it): its commit is refused. */
const MIGRATED_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
])

/** A kafkajs failure as a typed error naming what was asked: fenced, rebalanced, or a broker error. */
export function brokerError(what: string, error: unknown): KafkaError {
  const type = protocolType(error)
  const refused = securityError(what, error, { type })
  if (refused !== undefined) return refused
  if (type !== undefined && FENCED_TYPES.has(type)) {
    return new KafkaError(
      KAFKA_ERROR_CODES.FENCED,
      `${what}: fenced by a newer instance: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  if (type !== undefined && MIGRATED_TYPES.has(type)) {
    return new KafkaError(
      KAFKA_ERROR_CODES.REBALANCED,
      `${what}: the group has rebalanced (${type}): ${errorMessage(error)}`,
      { cause: error },
    )
  }
  return new KafkaError(KAFKA_ERROR_CODES.BROKER, `${what}: ${errorMessage(error)}`, {
    cause: error,
    retriable: retriableLater(error),
  })
}

/**
 * kafkajs errors that say no broker answered at all (the broker is away), though kafkajs marks them
 * final for the call: asking again later is what can help.
 */
const UNREACHABLE_NAMES = new Set(['KafkaJSGroupCoordinatorNotFound', 'KafkaJSBrokerNotFound'])

/**
 * Whether asking again later can help: a retriable kafkajs error, also when kafkajs gave up on it and
 * wrapped it (retries exceeded), and a broker that did not answer at all. A call that failed all its
 * retries while the broker was away is retriable for the application, as the Java client's
 * TimeoutException is (a RetriableException).
 */
function retriableLater(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const { retriable, name } = e as { retriable?: unknown; name?: unknown }
    if (retriable === true || (typeof name === 'string' && UNREACHABLE_NAMES.has(name))) return true
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError
  }
  return false
}

/**
 * Answers that mean "not yet" rather than "no": a topic created a moment ago whose leader the broker
 * has not taken up, a leader that is moving, a group coordinator still loading. kafkajs (patched, see
 * patches/) refreshes its metadata and retries ListOffsets on these itself; its metadata calls retry only
 * LEADER_NOT_AVAILABLE and its committed-offset fetch none, which this bound covers.
 */
const NOT_YET_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REPLICA_NOT_AVAILABLE',
  'OFFSET_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'KAFKA_STORAGE_ERROR',
  'REQUEST_TIMED_OUT',
  // The group's coordinator loading its offsets or moving (kafkajs' fetchOffsets does not retry these).
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  // The transaction coordinator still writing the previous transaction's markers: the Java producer
  // asks again; failing here stopped a stream thread that committed right after its last commit.
  'CONCURRENT_TRANSACTIONS',
  'NOT_COORDINATOR_FOR_GROUP',
])

/** kafkajs' "not yet" answers: the protocol errors of NOT_YET_TYPES. */
export function answeredNotYet(error: unknown): boolean {
  const type = protocolType(error)
  return type !== undefined && NOT_YET_TYPES.has(type)
}

/** askAgain() for kafkajs calls: its "not yet" answers by default, its errors typed by brokerError(). */
export function askAgain<T>(
  what: string,
  call: () => Promise<T>,
  options: Partial<Omit<AskAgainOptions, 'toError'>> = {},
): Promise<T> {
  return askAgainFor(what, call, { notYet: answeredNotYet, ...options, toError: brokerError })
}
