import type { TopicPartition } from '@oxagry/kafka'

/** Where an instance answers interactive queries: its `applicationServer`, as Kafka Streams' HostInfo. */
export interface HostInfo {
  readonly host: string
  readonly port: number
}

/** `host:port` of a host, as `applicationServer` spells it. */
export function hostKey(host: HostInfo): string {
  return `${host.host}:${host.port}`
}

/** Splits a `host:port` the config already validated. */
export function parseHostInfo(endpoint: string): HostInfo {
  const colon = endpoint.lastIndexOf(':')
  return { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) }
}

export function sameHost(a: HostInfo, b: HostInfo): boolean {
  return a.host === b.host && a.port === b.port
}

/**
 * What one instance of the application holds, as Kafka Streams' StreamsMetadata: its endpoint, the
 * stores of the tasks it runs and their input partitions, and the same of its standby tasks.
 */
export interface StreamsMetadata {
  readonly hostInfo: HostInfo
  readonly stateStoreNames: readonly string[]
  readonly topicPartitions: readonly TopicPartition[]
  readonly standbyStateStoreNames: readonly string[]
  readonly standbyTopicPartitions: readonly TopicPartition[]
}

/**
 * Which instance holds a key of a store, as Kafka Streams' KeyQueryMetadata: the active host, the
 * running instances keeping a standby of its task, and the partition the key hashes to.
 */
export interface KeyQueryMetadata {
  /** Undefined when no instance is known to own the partition now: a rebalance, or its owner is gone. */
  readonly activeHost: HostInfo | undefined
  readonly standbyHosts: readonly HostInfo[]
  /** -1 for a global store, which every instance holds whole. */
  readonly partition: number
}

/** A partitioner for a store's input, when its records were not placed by the default murmur2 one. */
export type KeyPartitioner<K> = (key: K, keyBytes: Buffer, partitions: number) => number
