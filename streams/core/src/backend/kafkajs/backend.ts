import { randomUUID } from 'node:crypto'
import {
  Kafka,
  logLevel as kafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaConfig,
  type Message,
  type Producer,
  type Transaction,
} from 'kafkajs'
import type { Logger } from 'pino'
import { STREAMS_ERROR_CODES, StreamsError } from '../../errors.ts'
import type { RecordHeaders } from '../../serde.ts'
import {
  tpKey,
  type BackendAdmin,
  type BackendConsumer,
  type BackendProducer,
  type BackendReader,
  type BrokerRecord,
  type ConsumerHandlers,
  type Following,
  type PartitionOffset,
  type ProducedRecord,
  type StreamsBackend,
  type TopicPartition,
  type TopicSpec,
} from '../types.ts'
import { askAgain, brokerError } from './broker-errors.ts'

export interface KafkaJsBackendOptions {
  readonly brokers: readonly string[]
  readonly clientId?: string
  /** How long the group waits for a silent member before it rebalances its partitions away. */
  readonly sessionTimeoutMs?: number
  /** Where kafkajs' own log lines go; its errors are mostly retried, so they land as warnings. */
  readonly logger?: Logger
  /** Replication factor for topics the application creates. */
  readonly replicationFactor?: number
  /** Passed through to kafkajs (ssl, sasl, retry...). */
  readonly kafka?: Omit<KafkaConfig, 'brokers' | 'clientId'>
}

function toHeaders(headers: IHeaders | undefined): RecordHeaders {
  const out: RecordHeaders = {}
  if (headers === undefined) return out
  for (const [k, v] of Object.entries(headers)) {
    const value = Array.isArray(v) ? v[v.length - 1] : v
    if (value !== undefined) out[k] = Buffer.isBuffer(value) ? value : Buffer.from(value)
  }
  return out
}

function toBrokerRecords(payload: EachBatchPayload): BrokerRecord[] {
  const { topic, partition, messages } = payload.batch
  return messages.map((m) => ({
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    timestamp: Number(m.timestamp),
    headers: toHeaders(m.headers),
  }))
}

function groupByTopic(records: readonly ProducedRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>()
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? []
    list.push({
      key: r.key,
      value: r.value,
      timestamp: String(r.timestamp),
      headers: r.headers,
      ...(r.partition === undefined ? {} : { partition: r.partition }),
    })
    byTopic.set(r.topic, list)
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }))
}

/** Bytes and records per produce request: below the broker's default 1 MiB per batch, with room for framing. */
const MAX_CHUNK_BYTES = 512 * 1024
const MAX_CHUNK_RECORDS = 2000

function sizeOf(record: ProducedRecord): number {
  let size = 64 + (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const [name, value] of Object.entries(record.headers)) size += name.length + value.length
  return size
}

/**
 * Splits a send into requests the broker accepts: kafkajs puts a partition's messages in one record
 * batch, which past max.message.bytes (1 MiB by default) fails as MESSAGE_TOO_LARGE, and it groups
 * messages per partition in quadratic time, so one huge send also stalls the event loop.
 */
export function* chunks(records: readonly ProducedRecord[]): Generator<ProducedRecord[]> {
  let chunk: ProducedRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = sizeOf(record)
    if (chunk.length > 0 && (bytes + size > MAX_CHUNK_BYTES || chunk.length >= MAX_CHUNK_RECORDS)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(record)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}

function partitionsOf(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) =>
    partitions.map((partition) => ({ topic, partition })),
  )
}

class KafkaJsAdmin implements BackendAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly replicationFactor: number,
  ) {}

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    if (topics.length === 0) return counts
    const existing = new Set(await askAgain('listing topics', () => this.admin.listTopics()))
    const present = topics.filter((t) => existing.has(t))
    if (present.length === 0) return counts
    const metadata = await askAgain(`reading the metadata of ${present.join(', ')}`, () =>
      this.admin.fetchTopicMetadata({ topics: present }),
    )
    for (const t of metadata.topics) counts.set(t.name, t.partitions.length)
    return counts
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics())
    let missing = topics.filter((t) => !existing.has(t.name))
    if (missing.length === 0) return
    // Another instance may create them at the same time, and a fresh broker may answer the wait for
    // leaders with UNKNOWN_TOPIC_OR_PARTITION before the new topic's metadata has spread: a failure is
    // asked again while topics are still missing, and is the error only once the bound has passed.
    await askAgain(
      'creating topics',
      async () => {
        try {
          await this.admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({
              topic: t.name,
              numPartitions: t.partitions,
              replicationFactor: this.replicationFactor,
              configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
            })),
          })
        } catch (error) {
          const now = new Set(await this.admin.listTopics())
          missing = missing.filter((t) => !now.has(t.name))
          if (missing.length > 0) throw error
        }
      },
      { notYet: () => true },
    )
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    const offsets = await askAgain(`reading the end offsets of ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic),
    )
    return new Map(offsets.map((o) => [o.partition, o.high]))
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }
}

/**
 * A group member on kafkajs. kafkajs has no awaited rebalance callbacks, so revocation runs when it
 * announces a rebalance (all partitions, as the eager protocol takes them all back) and assignment when
 * it has joined; batches wait until the assignment's restore is done.
 */
class KafkaJsConsumer implements BackendConsumer {
  private readonly consumer: Consumer
  private current: TopicPartition[] = []
  private revoking: Promise<void> = Promise.resolve()
  private assigning: Promise<void> = Promise.resolve()
  private handlers: ConsumerHandlers | undefined
  private stopped = false
  /** Reads the group's committed offsets; connected on first use, closed with the consumer. */
  private admin: Promise<Admin> | undefined

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    readCommitted: boolean,
    sessionTimeoutMs: number,
  ) {
    this.consumer = kafka.consumer({
      groupId,
      readUncommitted: !readCommitted,
      allowAutoTopicCreation: false,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
      retry: { retries: 10 },
    })
  }

  async run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      const taken = this.current
      this.current = []
      if (taken.length > 0)
        this.revoking = this.revoking.then(() => handlers.onRevoked(taken)).catch(() => {})
    })
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const next = partitionsOf(payload.memberAssignment)
      const nextKeys = new Set(next.map((p) => tpKey(p.topic, p.partition)))
      const currentKeys = new Set(this.current.map((p) => tpKey(p.topic, p.partition)))
      const revoked = this.current.filter((p) => !nextKeys.has(tpKey(p.topic, p.partition)))
      const added = next.filter((p) => !currentKeys.has(tpKey(p.topic, p.partition)))
      this.current = next
      const revoking = this.revoking
      // Called on every join, even one that adds nothing: kafkajs resolves each partition's position
      // from the group's committed offsets as it joins, possibly before the revocation's commit above
      // landed (or, after it timed out of the group, behind what this member had processed), so the
      // application places every position again.
      this.assigning = revoking
        .then(async () => {
          if (revoked.length > 0) await handlers.onRevoked(revoked)
          await handlers.onAssigned(added, next)
        })
        .catch(() => {})
    })
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after a retriable error; after any other it has stopped for good.
      if (!payload.restart && !this.stopped) handlers.onFailed?.(brokerError('consuming', payload.error))
    })
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: [...topics], fromBeginning: true })
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        await this.assigning
        const { topic, partition } = payload.batch
        if (!this.current.some((p) => p.topic === topic && p.partition === partition) || payload.isStale())
          return
        await handlers.eachBatch({
          topic,
          partition,
          records: toBrokerRecords(payload),
          heartbeat: () => payload.heartbeat(),
        })
      },
    })
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
      )
    } catch (error) {
      throw brokerError('committing offsets', error)
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, string | undefined>> {
    // A running member keeps one admin client until it stops; a consumer used only to read its group's
    // offsets (it never runs, so nothing would close it) connects one for the call.
    const connect = async (): Promise<Admin> => {
      const admin = this.kafka.admin()
      await admin.connect()
      return admin
    }
    const transient = this.handlers === undefined || this.stopped
    const admin = transient
      ? await connect()
      : await (this.admin ??= connect().catch((error: unknown) => {
          this.admin = undefined
          throw error
        }))
    try {
      const topics = [...new Set(partitions.map((p) => p.topic))]
      const result = new Map<string, string | undefined>()
      const offsets = await askAgain(`reading the committed offsets of ${this.groupId}`, () =>
        admin.fetchOffsets({ groupId: this.groupId, topics }),
      )
      for (const entry of offsets) {
        for (const p of entry.partitions)
          result.set(tpKey(entry.topic, p.partition), Number(p.offset) >= 0 ? p.offset : undefined)
      }
      return result
    } finally {
      if (transient) await admin.disconnect()
    }
  }

  seek(partition: PartitionOffset): void {
    this.consumer.seek({ topic: partition.topic, partition: partition.partition, offset: partition.offset })
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.assigning
    const taken = this.current
    this.current = []
    if (taken.length > 0 && this.handlers !== undefined) await this.handlers.onRevoked(taken).catch(() => {})
    await this.consumer.disconnect()
    const admin = this.admin
    this.admin = undefined
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect()
  }
}

class KafkaJsProducer implements BackendProducer {
  private txn: Transaction | undefined

  constructor(
    private readonly producer: Producer,
    private readonly transactional: boolean,
  ) {}

  get inTransaction(): boolean {
    return this.txn !== undefined
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return
    try {
      const target = this.txn ?? this.producer
      if (this.transactional && this.txn === undefined) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.BROKER,
          'a transactional producer sends outside a transaction',
        )
      }
      for (const chunk of chunks(records))
        await target.sendBatch({ topicMessages: groupByTopic(chunk), acks: -1 })
    } catch (error) {
      throw error instanceof StreamsError ? error : brokerError('producing', error)
    }
  }

  async beginTransaction(): Promise<void> {
    try {
      this.txn = await this.producer.transaction()
    } catch (error) {
      throw brokerError('beginning a transaction', error)
    }
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const txn = this.requireTxn()
    const topics = new Map<string, { partition: number; offset: string }[]>()
    for (const o of offsets)
      topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }])
    try {
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      })
    } catch (error) {
      throw brokerError('adding offsets to the transaction', error)
    }
  }

  async commitTransaction(): Promise<void> {
    const txn = this.requireTxn()
    this.txn = undefined
    try {
      await txn.commit()
    } catch (error) {
      throw brokerError('committing the transaction', error)
    }
  }

  async abortTransaction(): Promise<void> {
    const txn = this.txn
    this.txn = undefined
    if (txn === undefined) return
    try {
      await txn.abort()
    } catch (error) {
      throw brokerError('aborting the transaction', error)
    }
  }

  private requireTxn(): Transaction {
    if (this.txn === undefined) throw new StreamsError(STREAMS_ERROR_CODES.BROKER, 'no transaction is open')
    return this.txn
  }

  async close(): Promise<void> {
    if (this.txn !== undefined) await this.abortTransaction().catch(() => {})
    await this.producer.disconnect()
  }
}

/**
 * Reads partitions outside the application's group. kafkajs only consumes through groups, so each
 * read joins a group of its own, seeks to the requested offsets and leaves when done.
 */
class KafkaJsReader implements BackendReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly clientId: string,
    private readonly readCommitted: boolean,
  ) {}

  private consumer(): Consumer {
    return this.kafka.consumer({
      groupId: `${this.clientId}-${randomUUID()}`,
      readUncommitted: !this.readCommitted,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    })
  }

  async read(
    partitions: readonly PartitionOffset[],
    until: ReadonlyMap<string, string>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<void> {
    const remaining = new Map<string, { from: number; end: number }>()
    for (const p of partitions) {
      const end = Number(until.get(tpKey(p.topic, p.partition)) ?? '0')
      if (Number(p.offset) < end) remaining.set(tpKey(p.topic, p.partition), { from: Number(p.offset), end })
    }
    if (remaining.size === 0) return
    const consumer = this.consumer()
    let finish: () => void = () => {}
    let fail: (error: unknown) => void = () => {}
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve
      fail = reject
    })
    // Progress comes from kafkajs' end-of-batch events, which it also emits for batches of transaction
    // markers or aborted records only: a partition whose tail is a commit marker still reaches its end.
    // Under read_committed an open transaction holds the reader back until it ends, as it should.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // A fetch with no record at or after the fetched offset reports the high watermark minus one as
      // its last offset, which says nothing of what was read: it must not end the read.
      if (payload.firstOffset === null) return
      const key = tpKey(payload.topic, payload.partition)
      const range = remaining.get(key)
      if (range !== undefined && Number(payload.lastOffset) + 1 >= range.end) remaining.delete(key)
      if (remaining.size === 0) finish()
    })
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: async (payload) => {
          const range = remaining.get(tpKey(payload.batch.topic, payload.batch.partition))
          if (range === undefined) return
          // Batches fetched before the seek took effect start below the requested offset.
          const records = toBrokerRecords(payload).filter(
            (r) => Number(r.offset) >= range.from && Number(r.offset) < range.end,
          )
          try {
            if (records.length > 0) await onRecords(records)
          } catch (error) {
            fail(error)
          }
        },
      })
      for (const p of partitions) consumer.seek({ topic: p.topic, partition: p.partition, offset: p.offset })
      await finished
    } finally {
      await consumer.disconnect()
    }
  }

  async follow(
    partitions: readonly PartitionOffset[],
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Following> {
    const consumer = this.consumer()
    const wanted = new Set(partitions.map((p) => tpKey(p.topic, p.partition)))
    await consumer.connect()
    await consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        if (!wanted.has(tpKey(payload.batch.topic, payload.batch.partition))) return
        await onRecords(toBrokerRecords(payload))
      },
    })
    for (const p of partitions) consumer.seek({ topic: p.topic, partition: p.partition, offset: p.offset })
    return { stop: () => consumer.disconnect() }
  }

  async close(): Promise<void> {}
}

/** The default backend: Kafka through kafkajs. */
export class KafkaJsBackend implements StreamsBackend {
  readonly name = 'kafkajs'
  readonly kafka: Kafka

  constructor(private readonly options: KafkaJsBackendOptions) {
    const logger = options.logger
    this.kafka = new Kafka({
      // kafkajs waits 300 ms before retrying CONCURRENT_TRANSACTIONS, which every exactly-once commit
      // meets when the next transaction starts: 25 ms took the benchmark's p99 from ~310 ms to ~40 ms.
      retry: { initialRetryTime: 25, retries: 10 },
      logLevel: logger === undefined ? kafkaLogLevel.NOTHING : kafkaLogLevel.WARN,
      logCreator: () => (entry) => {
        const { message, ...rest } = entry.log
        if (entry.level <= kafkaLogLevel.WARN)
          logger?.warn({ kafkajs: rest, namespace: entry.namespace }, message)
        else logger?.debug({ kafkajs: rest, namespace: entry.namespace }, message)
      },
      ...options.kafka,
      clientId: options.clientId ?? 'oxagry-streams',
      brokers: [...options.brokers],
    })
  }

  async admin(): Promise<BackendAdmin> {
    const admin = this.kafka.admin()
    await admin.connect()
    return new KafkaJsAdmin(admin, this.options.replicationFactor ?? 1)
  }

  consumer(options: { groupId: string; clientId: string; readCommitted: boolean }): BackendConsumer {
    return new KafkaJsConsumer(
      this.kafka,
      options.groupId,
      options.readCommitted,
      this.options.sessionTimeoutMs ?? 30_000,
    )
  }

  async producer(options: { clientId: string; transactionalId?: string }): Promise<BackendProducer> {
    const transactional = options.transactionalId !== undefined
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      ...(transactional ? { transactionalId: options.transactionalId, transactionTimeout: 60_000 } : {}),
    })
    try {
      await producer.connect()
      if (transactional) {
        // Registers the transactional id now, before the task restores: any older producer with it
        // (a zombie of this task) is fenced and its open transaction aborted.
        const txn = await producer.transaction()
        await txn.abort()
      }
    } catch (error) {
      throw brokerError('connecting a producer', error)
    }
    return new KafkaJsProducer(producer, transactional)
  }

  reader(options: { clientId: string; readCommitted: boolean }): BackendReader {
    return new KafkaJsReader(this.kafka, options.clientId, options.readCommitted)
  }

  async close(): Promise<void> {
    // Every client this backend hands out is closed by its owner.
  }
}
