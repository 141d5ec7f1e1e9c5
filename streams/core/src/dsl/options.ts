import type { Serde } from '@oxagry/kafka'
import type { OffsetResetPolicy, StreamPartitioner, TimestampExtractor } from '../topology/nodes.ts'

/** How a topic is read: serdes and event time. */
export interface Consumed<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly timestampExtractor?: TimestampExtractor
  readonly name?: string
  /**
   * Where to start reading a partition the application never committed on: `'earliest'` (the group's
   * default) or `'latest'`, for this source's topics only (Kafka's `withOffsetResetPolicy`).
   */
  readonly offsetResetPolicy?: OffsetResetPolicy
}

/** How a stream is written to a topic. */
export interface Produced<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly partitioner?: StreamPartitioner<K, V>
  readonly name?: string
}

/** How a described topic is read: its serdes are the descriptor's. */
export type ConsumedFrom = Omit<Consumed<unknown, unknown>, 'keySerde' | 'valueSerde'>

/** How a stream is written to a described topic: its serdes are the descriptor's. */
export type ProducedTo<K, V> = Omit<Produced<K, V>, 'keySerde' | 'valueSerde'>

/** Serdes of a grouping and the name of its repartition topic. */
export interface Grouped<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly name?: string
}

/** An explicit repartition: serdes, topic name, partition count. */
export interface Repartitioned<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly name?: string
  readonly numberOfPartitions?: number
  readonly partitioner?: StreamPartitioner<K, V>
}

export const StoreType = {
  IN_MEMORY: 'in-memory',
  PERSISTENT: 'persistent',
} as const
export type StoreType = (typeof StoreType)[keyof typeof StoreType]

/** How a table or aggregate is kept: a store name to query it by, serdes, engine, changelog. */
export interface Materialized<K, V> {
  /** Names the store (and so its changelog topic); generated when absent. */
  readonly storeName?: string
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  /** The engine; the config's `defaultStoreType` when absent. */
  readonly storeType?: StoreType
  /** Backed by a changelog topic; true unless turned off. */
  readonly logging?: boolean
  readonly changelogConfig?: Readonly<Record<string, string>>
  /** Window and session stores: how long windows are kept (at least size + grace). */
  readonly retentionMs?: number
}

/** Serdes for a stream-table join's stream side. */
export interface Joined<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly name?: string
}

/** Names a DSL node instead of the generated name. */
export interface Named {
  readonly name?: string
}

/**
 * Serdes and stores of a stream-stream join, as Kafka Streams' StreamJoined: `storeName` names the
 * join's stores (`<storeName>-this-join-store`, `-other-join-store`, and `-left-shared-join-store` or
 * `-outer-shared-join-store`), `name` its processors and repartition topics.
 */
export interface StreamJoined<K, V, VO> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly otherValueSerde?: Serde<VO>
  readonly name?: string
  readonly storeName?: string
  readonly storeType?: StoreType
  /** Backed by changelog topics; true unless turned off. */
  readonly logging?: boolean
  readonly changelogConfig?: Readonly<Record<string, string>>
  /**
   * The least processing (wall-clock) time between two sweeps for left and outer results whose window
   * closed. 0 by default: a sweep runs on every record that advances the join's stream time, as in
   * Kafka's TopologyTestDriver; a Kafka Streams application sweeps at most once a second (its internal
   * `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`), which 1000 here reproduces.
   */
  readonly outerJoinEmitIntervalMs?: number
}

/**
 * Names and sizes a foreign-key join, as Kafka Streams' TableJoined: `name` names its topics
 * (`<name>-subscription-registration-topic`, `<name>-subscription-response-topic`), processors and
 * subscription store.
 */
export interface TableJoined {
  readonly name?: string
  /**
   * The partition count of the subscription and response topics, which must be both tables'. Needed when
   * the tables have more than one partition: the runtime sizes an internal topic from the sub-topology
   * writing it, and the join's two sub-topologies write each other's.
   */
  readonly partitions?: number
}
