/** Kafka ACLs as a Strimzi `KafkaUser` (kafka.strimzi.io/v1, `authorization.type: simple`) writes them. */

export const ACL_OPERATIONS = [
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'AlterConfigs',
  'DescribeConfigs',
  'IdempotentWrite',
  'All',
] as const
export type AclOperation = (typeof ACL_OPERATIONS)[number]

export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId'
export type AclPatternType = 'literal' | 'prefix'

export interface AclResource {
  readonly type: AclResourceType
  readonly name: string
  readonly patternType: AclPatternType
}

export interface AclRule {
  readonly resource: AclResource
  readonly operations: readonly AclOperation[]
}

/**
 * What one application does on Kafka, as the code says: topics it reads and writes, topics it creates,
 * consumer groups, and the prefixes it owns (its internal topics, its readers' groups, its transactional
 * ids). Turned into ACLs by `aclRules`; nothing else is allowed.
 */
export interface KafkaAccess {
  /** The application, for messages. */
  readonly application: string
  readonly readTopics: readonly string[]
  readonly writeTopics: readonly string[]
  /** Topics it creates when missing (the catalogue's own, created by the platform at start). */
  readonly createTopics: readonly string[]
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
  createTopics: [],
  topicPrefixes: [],
  groups: [],
  groupPrefixes: [],
  transactionalIdPrefixes: [],
}
