import { randomUUID } from 'node:crypto'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { Mutex } from '../mutex.ts'
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
  type ProducerOptions,
  type KafkaBackend,
  type TopicPartition,
  type TopicSpec,
  type TransactionalIdScheme,
} from '../types.ts'
import { MemoryBroker } from './broker.ts'

const MAX_BATCH = 500

class MemoryConsumer implements BackendConsumer {
  private readonly id = `member-${randomUUID()}`
  private readonly positions = new Map<string, { tp: TopicPartition; next: number }>()
  private readonly lock = new Mutex()
  private running = false
  private loop: Promise<void> | undefined

  constructor(
    private readonly broker: MemoryBroker,
    private readonly groupId: string,
    private readonly readCommitted: boolean,
  ) {}

  async run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    this.running = true
    await this.broker.join(this.groupId, {
      id: this.id,
      topics,
      assignment: [],
      revoke: (partitions) =>
        this.lock.run(async () => {
          if (partitions.length === 0) return
          await handlers.onRevoked(partitions)
          for (const p of partitions) this.positions.delete(tpKey(p.topic, p.partition))
        }),
      assign: (partitions) =>
        this.lock.run(async () => {
          for (const p of partitions) {
            const committed = this.broker.committed(this.groupId, p)
            this.positions.set(tpKey(p.topic, p.partition), {
              tp: p,
              next: committed === undefined ? 0 : Number(committed),
            })
          }
          if (partitions.length > 0) await handlers.onAssigned(partitions)
        }),
    })
    this.loop = this.poll(handlers)
  }

  private async poll(handlers: ConsumerHandlers): Promise<void> {
    while (this.running) {
      const delivered = await this.lock
        .run(async () => {
          let any = false
          for (const position of this.positions.values()) {
            if (!this.running) break
            const { records, next, caughtUp } = this.broker.fetch(
              position.tp.topic,
              position.tp.partition,
              position.next,
              MAX_BATCH,
              this.readCommitted,
            )
            position.next = next
            if (records.length === 0) continue
            any = true
            await handlers.eachBatch({
              topic: position.tp.topic,
              partition: position.tp.partition,
              records,
              nextOffset: String(next),
              caughtUp,
              heartbeat: async () => {},
            })
          }
          return any
        })
        .catch(() => {
          // The handler failed: the application decides what happens next; this member stops fetching.
          this.running = false
          return false
        })
      if (!delivered && this.running) await this.broker.waitForData(50)
    }
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    this.broker.commitOffsets(this.groupId, offsets)
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, string | undefined>> {
    return new Map(
      partitions.map((p) => [tpKey(p.topic, p.partition), this.broker.committed(this.groupId, p)]),
    )
  }

  seek(partition: PartitionOffset): void {
    const position = this.positions.get(tpKey(partition.topic, partition.partition))
    if (position !== undefined) position.next = Number(partition.offset)
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
    this.loop = undefined
    await this.broker.leave(this.groupId, this.id)
  }
}

class MemoryProducer implements BackendProducer {
  private txn: ReturnType<MemoryBroker['beginTransaction']> | undefined
  private offsets = new Map<string, PartitionOffset[]>()
  private readonly epoch: number | undefined

  constructor(
    private readonly broker: MemoryBroker,
    private readonly transactionalId?: string,
  ) {
    this.epoch = transactionalId === undefined ? undefined : broker.initTransactions(transactionalId)
  }

  get inTransaction(): boolean {
    return this.txn !== undefined
  }

  private transactional(): { id: string; epoch: number } {
    if (this.transactionalId === undefined || this.epoch === undefined) {
      throw new KafkaError(KAFKA_ERROR_CODES.USAGE, 'transactions need a producer with a transactional id')
    }
    return { id: this.transactionalId, epoch: this.epoch }
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    if (this.transactionalId !== undefined) {
      const { id, epoch } = this.transactional()
      this.broker.checkEpoch(id, epoch)
      if (this.txn === undefined)
        throw new KafkaError(KAFKA_ERROR_CODES.USAGE, `producer ${id} sends outside a transaction`)
    }
    this.broker.append(records, this.txn)
  }

  async beginTransaction(): Promise<void> {
    const { id, epoch } = this.transactional()
    this.txn = this.broker.beginTransaction(id, epoch)
    this.offsets = new Map()
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const { id, epoch } = this.transactional()
    this.broker.checkEpoch(id, epoch)
    this.offsets.set(groupId, [...(this.offsets.get(groupId) ?? []), ...offsets])
  }

  async commitTransaction(): Promise<void> {
    await this.end(true)
  }

  async abortTransaction(): Promise<void> {
    await this.end(false)
  }

  private async end(commit: boolean): Promise<void> {
    const { id, epoch } = this.transactional()
    const txn = this.txn
    this.txn = undefined
    if (txn === undefined) return
    this.broker.endTransaction(id, epoch, txn, commit, this.offsets)
  }

  async close(): Promise<void> {
    if (this.txn !== undefined) await this.abortTransaction().catch(() => {})
  }
}

class MemoryReader implements BackendReader {
  constructor(
    private readonly broker: MemoryBroker,
    private readonly readCommitted: boolean,
  ) {}

  async read(
    partitions: readonly PartitionOffset[],
    until: ReadonlyMap<string, string>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<void> {
    for (const p of partitions) {
      const end = Number(
        until.get(tpKey(p.topic, p.partition)) ?? this.broker.endOffset(p.topic, p.partition),
      )
      let next = Number(p.offset)
      while (next < end) {
        const batch = this.broker.fetch(p.topic, p.partition, next, MAX_BATCH, this.readCommitted)
        if (batch.next === next) break
        next = batch.next
        const records = batch.records.filter((r) => Number(r.offset) < end)
        if (records.length > 0) await onRecords(records)
      }
    }
  }

  async follow(
    partitions: readonly PartitionOffset[],
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Following> {
    let running = true
    const positions = partitions.map((p) => ({ ...p, next: Number(p.offset) }))
    const loop = (async () => {
      while (running) {
        let any = false
        for (const p of positions) {
          const batch = this.broker.fetch(p.topic, p.partition, p.next, MAX_BATCH, this.readCommitted)
          p.next = batch.next
          if (batch.records.length > 0) {
            any = true
            await onRecords(batch.records)
          }
        }
        if (!any) await this.broker.waitForData(50)
      }
    })()
    return {
      stop: async () => {
        running = false
        await loop
      },
    }
  }

  async close(): Promise<void> {}
}

/** The backend over an in-process MemoryBroker. */
export class MemoryBackend implements KafkaBackend {
  readonly name = 'memory'
  /**
   * `per-task` unless asked: the memory broker does not fence transactional offsets by group generation,
   * so `per-thread` here only exercises the runtime's one-transaction-per-thread path on one instance.
   */
  readonly transactionalIds: TransactionalIdScheme
  /** Consumers handed out, stopped by `close()` (the other clients hold nothing to release). */
  private readonly consumers = new Set<BackendConsumer>()

  constructor(
    readonly broker: MemoryBroker = new MemoryBroker(),
    options: { readonly transactionalIds?: TransactionalIdScheme } = {},
  ) {
    this.transactionalIds = options.transactionalIds ?? 'per-task'
  }

  async admin(): Promise<BackendAdmin> {
    const broker = this.broker
    return {
      async partitionCounts(topics) {
        const counts = new Map<string, number>()
        for (const t of topics) {
          const n = broker.partitionCount(t)
          if (n !== undefined) counts.set(t, n)
        }
        return counts
      },
      async createTopics(topics: readonly TopicSpec[]) {
        for (const t of topics) broker.createTopic(t)
      },
      async endOffsets(topic, options) {
        const n = broker.partitionCount(topic) ?? 0
        const committed = options?.readCommitted === true
        return new Map(
          Array.from({ length: n }, (_, p) => [p, String(broker.endOffset(topic, p, committed))]),
        )
      },
      async close() {},
    }
  }

  consumer(options: { groupId: string; readCommitted: boolean }): BackendConsumer {
    const consumer = new MemoryConsumer(this.broker, options.groupId, options.readCommitted)
    this.consumers.add(consumer)
    return consumer
  }

  async producer(options: Pick<ProducerOptions, 'transactionalId'>): Promise<BackendProducer> {
    return new MemoryProducer(this.broker, options.transactionalId)
  }

  reader(options: { readCommitted: boolean }): BackendReader {
    return new MemoryReader(this.broker, options.readCommitted)
  }

  /** Stops every consumer still running. */
  async close(): Promise<void> {
    const consumers = [...this.consumers]
    this.consumers.clear()
    await Promise.allSettled(consumers.map((c) => c.stop()))
  }
}
