import type { RecordHeaders } from './serde.ts'

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/** A record as a backend delivers it: raw bytes and where it sits. */
export interface BrokerRecord {
  readonly topic: string
  readonly partition: number
  /** Decimal string: offsets outgrow 2^53 in theory, and kafkajs speaks strings. */
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: RecordHeaders
}

export interface ProducedRecord {
  readonly topic: string
  /** Undefined: the backend's default partitioner (murmur2 of the key, as Java's). */
  readonly partition?: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/** The next offset to read on a partition: what a commit stores. */
export interface PartitionOffset extends TopicPartition {
  readonly offset: string
}

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  /** Copies of each partition; the backend's default when absent (the memory broker keeps one). */
  readonly replicationFactor?: number
  readonly config: Readonly<Record<string, string>>
}

export interface BackendAdmin {
  /** Partition counts of the topics that exist; missing topics are absent from the map. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>
  /** Creates the topics that do not exist yet. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>
  /**
   * The end offset (next offset to be written) of each partition; with `readCommitted`, its last stable
   * offset instead: where a read_committed reader's records end while transactions are open (the end
   * Kafka's consumer measures a read_committed member's lag against).
   */
  endOffsets(topic: string, options?: { readCommitted?: boolean }): Promise<Map<number, string>>
  close(): Promise<void>
}

export interface Batch {
  readonly topic: string
  readonly partition: number
  readonly records: readonly BrokerRecord[]
  /**
   * The consumer's position after this batch, when the client says: past its last record and any
   * transaction markers or aborted records fetched with it (Kafka's fetch position). Without it the
   * position is taken to be the last record's offset plus one.
   */
  readonly nextOffset?: string
  /**
   * Whether the batch reaches the end its fetch found (the high watermark; the last stable offset
   * under read_committed): nothing more was waiting on the partition, so an application that gathers
   * records for one large write gains nothing by waiting for more. Undefined when the client cannot
   * tell.
   */
  readonly caughtUp?: boolean
  /** Keeps group membership alive during long work. */
  heartbeat(): Promise<void>
  /**
   * How often `heartbeat()` must be called while the batch (or later work) holds the member, for the
   * group not to take it for dead: kafkajs heartbeats only when asked. Absent when the client heartbeats
   * by itself (librdkafka, from a thread of its own) or has no sessions (the memory broker).
   */
  readonly heartbeatIntervalMs?: number
}

export interface ConsumerHandlers {
  /** Partitions about to be taken away: flush and commit them. Awaited where the backend can. */
  onRevoked(partitions: readonly TopicPartition[]): Promise<void>
  /**
   * Partitions newly owned: restore their state before their records are processed. `assignment` is
   * everything the member owns after the join, when the backend reports it; the application then seeks
   * each of those partitions to where it must read next.
   */
  onAssigned(partitions: readonly TopicPartition[], assignment?: readonly TopicPartition[]): Promise<void>
  eachBatch(batch: Batch): Promise<void>
  /**
   * The consumer stopped on an error it will not recover from by itself (the client gave up): nothing
   * more will be delivered, so the application fails rather than sit idle looking healthy.
   */
  onFailed?(error: unknown): void
}

/** A group member: receives batches of its partitions and commits their offsets. */
export interface BackendConsumer {
  run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void>
  commit(offsets: readonly PartitionOffset[]): Promise<void>
  /** Where the group committed on these partitions; undefined when it never did. */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, string | undefined>>
  /** Moves the read position of an assigned partition. */
  seek(partition: PartitionOffset): void
  /**
   * Where the client reads each owned partition next, by tpKey, past transaction markers it skipped
   * without a batch; only clients that can tell (librdkafka; kafkajs from its fetch responses, the empty
   * ones patched in) have it.
   */
  fetchPositions?(partitions: readonly TopicPartition[]): Map<string, string>
  /**
   * For each of these partitions whose fetch last reached its end, that end (the last stable offset
   * under read_committed), by tpKey: what the client's own fetch responses said, with no request, as
   * Kafka's consumer knows its lag. A partition that got records since, or never reached its end, is
   * not in the answer. Only clients that can tell (librdkafka, from its partition-EOF events; kafkajs,
   * from every fetch response, the empty ones patched in) have it.
   */
  fetchedEnds?(partitions: readonly TopicPartition[]): Map<string, string>
  /**
   * How long a running member has gone without a fetch answered while it held no batch, in ms: a broker
   * away that no call of the application meets, since an idle member only fetches. In a rebalance, how
   * long since it began, until the join that ends it (fetches then hand over nothing). 0 while it works
   * on a batch. Only clients that can tell (kafkajs, from its fetch and group events) have it.
   */
  unansweredFetchMs?(now?: number): number
  stop(): Promise<void>
}

export interface BackendProducer {
  /** Hands the records over; resolves once the broker acknowledged them all. */
  send(records: readonly ProducedRecord[]): Promise<void>
  /**
   * Sends what was handed over now, rather than when the client's linger ends; resolves once all of it
   * is acknowledged or has failed, and never rejects: what failed, its `send` says. Absent on clients
   * that do not linger (kafkajs and the memory broker send at once).
   * Whoever waits for sends before committing (offsets, a transaction) calls it first, as Kafka Streams
   * flushes its producer at every commit.
   */
  flush?(): Promise<void>
  /** Transactions: only on a producer made with a transactional id. */
  beginTransaction(): Promise<void>
  sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void>
  commitTransaction(): Promise<void>
  abortTransaction(): Promise<void>
  readonly inTransaction: boolean
  close(): Promise<void>
}

/** Reads assigned partitions from given offsets, outside any group: restores and global stores. */
export interface BackendReader {
  /** Reads each partition from its offset up to the end offset in `until` (keyed by tpKey), then returns. */
  read(
    partitions: readonly PartitionOffset[],
    until: ReadonlyMap<string, string>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<void>
  /** Keeps reading the partitions from their offsets until stopped: global stores. */
  follow(
    partitions: readonly PartitionOffset[],
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Following>
  close(): Promise<void>
}

export interface Following {
  stop(): Promise<void>
}

/**
 * How exactly-once processing names its transactional producers on a backend.
 * - `per-thread`: the backend's transactional offsets carry the consumer's group metadata (KIP-447), so
 *   the group coordinator refuses a commit from a member the group has moved past: one transactional
 *   producer per consumer (Kafka Streams' `exactly_once_v2`), id `<applicationId>-<processId>-<thread>`.
 * - `per-task`: the backend cannot send group metadata, so fencing comes from the transactional id
 *   itself: one producer per task, id `<applicationId>-<taskId>` (Kafka Streams' former `exactly_once`).
 * Both ids start with `<applicationId>-`, the prefix the generated ACLs grant.
 */
export type TransactionalIdScheme = 'per-task' | 'per-thread'

export interface ProducerOptions {
  readonly clientId: string
  readonly transactionalId?: string
}

/** What a consumer is made with. */
export interface ConsumerOptions {
  readonly groupId: string
  readonly clientId: string
  readonly readCommitted: boolean
}

/** What the streams runtime, the sinks and the producers of the platform need of Kafka: kafkajs, the memory broker and node-rdkafka fit behind it. */
export interface KafkaBackend {
  readonly name: string
  readonly transactionalIds: TransactionalIdScheme
  admin(): Promise<BackendAdmin>
  consumer(options: ConsumerOptions): BackendConsumer
  producer(options: ProducerOptions): Promise<BackendProducer>
  reader(options: { clientId: string; readCommitted: boolean }): BackendReader
  /** Closes every client this backend handed out that its owner has not closed yet. */
  close(): Promise<void>
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`
}

/** The topic and partition a `tpKey` names (a topic name may hold colons; the partition follows the last). */
export function fromTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':')
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) }
}
