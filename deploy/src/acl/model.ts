import { KAFKA_ACL_OPERATIONS, type KafkaAclOperation, type KafkaAclRule } from '@oxagry/kafka'

/**
 * Kafka ACLs as a Strimzi `KafkaUser` (kafka.strimzi.io/v1, `authorization.type: simple`) writes them:
 * the client package's definitions, which the local broker's security admin applies too.
 */
export const ACL_OPERATIONS = KAFKA_ACL_OPERATIONS
export type AclOperation = KafkaAclOperation
export type AclResource = KafkaAclRule['resource']
export type AclResourceType = AclResource['type']
export type AclPatternType = AclResource['patternType']
export type AclRule = KafkaAclRule

/**
 * What one application does on Kafka, as the code says: topics it reads and writes,
 * consumer groups, and the prefixes it owns (its internal topics, its readers' groups, its transactional
 * ids). Turned into ACLs by `aclRules`; nothing else is allowed.
 */
export interface KafkaAccess {
  /** The application, for messages. */
  readonly application: string
  readonly readTopics: readonly string[]
  readonly writeTopics: readonly string[]
  /** Topic prefixes it owns: reads, writes and creates (a stream application's `<applicationId>-`). */
  readonly topicPrefixes: readonly string[]
  readonly groups: readonly string[]
  /** Group prefixes: readers outside the application's group join one named `<clientId>-<uuid>`. */
  readonly groupPrefixes: readonly string[]
  /** Transactional id prefixes (exactly-once: `<applicationId>-` covers per-task and per-thread ids). */
  readonly transactionalIdPrefixes: readonly string[]
}

export const NO_ACCESS: Omit<KafkaAccess, 'application'> = {
  readTopics: [],
  writeTopics: [],
  topicPrefixes: [],
  groups: [],
  groupPrefixes: [],
  transactionalIdPrefixes: [],
}
