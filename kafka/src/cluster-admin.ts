import type { TopicSpec } from './types.ts'

/** A topic as the cluster has it. */
export interface TopicDescription {
  readonly name: string
  readonly partitions: number
  /** The largest replica count of its partitions. */
  readonly replicationFactor: number
  /** Every config with its effective value; `override` when set on the topic, not inherited. */
  readonly configs: readonly { readonly name: string; readonly value: string; readonly override: boolean }[]
}

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
  close(): Promise<void>
}
