/**
 * ACLs and SCRAM users, spelled as a Strimzi `KafkaUser` spells them (`authorization.type: simple`), so
 * the rules deploy generates for a KafkaUser are what a broker is given here.
 */

export const KAFKA_ACL_OPERATIONS = [
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
export type KafkaAclOperation = (typeof KAFKA_ACL_OPERATIONS)[number]

export interface KafkaAclRule {
  readonly resource: {
    readonly type: 'topic' | 'group' | 'cluster' | 'transactionalId'
    readonly name: string
    readonly patternType: 'literal' | 'prefix'
  }
  readonly operations: readonly KafkaAclOperation[]
}

export const SCRAM_MECHANISMS = ['scram-sha-256', 'scram-sha-512'] as const
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number]

/**
 * What setting up a user on a cluster takes: its SCRAM credential and its ACLs (allow rules for the
 * principal `User:<name>`). Run with a principal allowed to alter the cluster (the local stack's plain
 * listener is a super user). Every failure is a typed KafkaError naming the call.
 */
export interface SecurityAdmin {
  /** Creates the user's SCRAM credential, or replaces its password. */
  upsertScramUser(user: string, password: string, mechanism?: ScramMechanism): Promise<void>
  deleteScramUser(user: string, mechanism?: ScramMechanism): Promise<void>
  /** Allows the user these rules, from any host. */
  createAcls(user: string, rules: readonly KafkaAclRule[]): Promise<void>
  /** Removes every ACL naming the user; resolves how many were removed. */
  deleteAcls(user: string): Promise<number>
  close(): Promise<void>
}
