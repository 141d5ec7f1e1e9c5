import type { ProcessorSupplier } from '../processor/api.ts'
import type { RecordHeaders, Serde } from '@oxagry/kafka'

/**
 * Where a source starts reading a partition its group has no committed offset for, as Kafka Streams'
 * per-source `Consumed.withOffsetResetPolicy`: the log's start, or its end (new records only).
 */
export type OffsetResetPolicy = 'earliest' | 'latest'

/** Where a record came from, for timestamp extraction and topic name extraction. */
export interface ConsumedRecordInfo {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The record's own timestamp (create or log-append time), ms. */
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/** Picks the event time of a record; `partitionTime` is the largest seen so far on its partition. */
export type TimestampExtractor = (
  record: ConsumedRecordInfo,
  key: unknown,
  value: unknown,
  partitionTime: number,
) => number

/** Chooses a sink's topic per record. */
export type TopicNameExtractor<K = unknown, V = unknown> = (
  key: K,
  value: V,
  context: { topic?: string },
) => string

/** Chooses a partition for an output record; undefined leaves it to the key hash. */
export type StreamPartitioner<K = unknown, V = unknown> = (
  topic: string,
  key: K,
  value: V,
  numPartitions: number,
) => number | undefined

/** A topic name in the topology: a user topic, or an internal one the runtime prefixes with the application id. */
export interface TopicRef {
  readonly name: string
  readonly internal: boolean
}

export interface SourceNode {
  readonly kind: 'source'
  readonly name: string
  readonly topics: readonly TopicRef[]
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  readonly timestampExtractor?: TimestampExtractor
  /** Where to start reading a partition the group never committed on (Kafka's per-source reset). */
  readonly offsetReset?: OffsetResetPolicy
  readonly order: number
}

export interface ProcessorNode {
  readonly kind: 'processor'
  readonly name: string
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>
  readonly parents: readonly string[]
  readonly stores: string[]
  readonly order: number
}

export interface SinkNode {
  readonly kind: 'sink'
  readonly name: string
  readonly topic: TopicRef | TopicNameExtractor
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  readonly partitioner?: StreamPartitioner
  readonly parents: readonly string[]
  readonly order: number
}

/** The nodes of a processor topology, told apart by `kind`. */
export type TopologyNode = SourceNode | ProcessorNode | SinkNode

export interface InternalTopicSpec {
  readonly name: string
  readonly kind: 'repartition' | 'changelog'
  /** Fixed partition count; otherwise that of the sub-topology's other inputs. */
  readonly partitions?: number
  readonly config: Readonly<Record<string, string>>
}
