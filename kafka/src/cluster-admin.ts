import type { PartitionOffset, TopicSpec } from './types.ts'

/** A topic as the cluster has it. */
export interface TopicDescription {
  readonly name: string
  readonly partitions: number
  /** The largest replica count of its partitions. */
  readonly replicationFactor: number
  /** Every config with its effective value; `override` when set on the topic, not inherited. */
  readonly configs: readonly { readonly name: string; readonly value: string; readonly override: boolean }[]
}

/** A consumer group member as the coordinator describes it. */
export interface GroupMember {
  readonly memberId: string
  readonly clientId: string
  readonly host: string
}

/** A consumer group: its state (`Empty`, `Stable`, `PreparingRebalance`, `Dead`...) and members. */
export interface GroupDescription {
  readonly groupId: string
  readonly state: string
  readonly members: readonly GroupMember[]
}

/** Where in a topic's partitions to place a group: the earliest, the end, or the first record at or after a time. */
export type OffsetPosition =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'timestamp'; readonly timestamp: number }

/**
 * What operators' tools need of a cluster (`topics apply`, the stack's health check): more than the
 * streams runtime's admin, and every failure a typed KafkaError naming the call.
 */
export interface ClusterAdmin {
  /** How many brokers the cluster has: a topic cannot have more replicas. */
  brokerCount(): Promise<number>
  /** The topics whose names start with `prefix` (internal `__` topics left out), sorted by name. */
  describeTopics(prefix?: string): Promise<TopicDescription[]>
  createTopic(topic: TopicSpec & { readonly replicationFactor: number }): Promise<void>
  /** Deletes the topic and creates it anew, waiting for the deletion to finish first. */
  recreateTopic(topic: TopicSpec & { readonly replicationFactor: number }): Promise<void>
  deleteTopic(name: string): Promise<void>
  addPartitions(name: string, count: number): Promise<void>
  /** Sets these configs on the topic (others keep their values). */
  alterTopicConfig(name: string, config: Readonly<Record<string, string>>): Promise<void>
  /** The group's state and members; a group that never existed is `Dead` with no members. */
  describeGroup(groupId: string): Promise<GroupDescription>
  /** Every offset the group has committed (partitions it never committed on are absent), sorted. */
  groupOffsets(groupId: string): Promise<PartitionOffset[]>
  /**
   * Commits these offsets for the group. The broker only takes them from outside the group while it
   * has no members: with members this fails (describe the group first to say which).
   */
  setGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void>
  /** The offset of each partition of the topic at a position (the end for a time after the last record), by partition. */
  offsetsAt(topic: string, position: OffsetPosition): Promise<Map<number, string>>
  close(): Promise<void>
}
