import { Partitioners, type Kafka, type Producer, type Transaction } from 'kafkajs'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import type { BackendProducer, PartitionOffset, ProducedRecord } from '../types.ts'
import { askAgain, brokerError } from './broker-errors.ts'
import type { GroupMember } from './consumer.ts'
import { chunks, groupByTopic } from './records.ts'

/** Sends gathered behind the one in flight: one request, acknowledged together. */
interface WaitingSend {
  readonly target: Producer | Transaction
  readonly records: ProducedRecord[]
  done: Promise<void>
}

export class KafkaJsProducer implements BackendProducer {
  private txn: Transaction | undefined
  /** The last send handed to kafkajs: the next waits for it. */
  private sending: Promise<void> = Promise.resolve()
  /** Records waiting for the send in flight to end, to go in one request together. */
  private waiting: WaitingSend | undefined

  /** An idempotent producer, connected; with a transactional id, registered (see below). */
  static async connect(
    kafka: Kafka,
    transactionalId?: string,
    memberOf: (groupId: string) => GroupMember | undefined = () => undefined,
  ): Promise<KafkaJsProducer> {
    const transactional = transactionalId !== undefined
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java's murmur2 partitioner, as partitionForKey: kafkajs' default since 2.0, named so it says so.
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(transactional ? { transactionalId, transactionTimeout: 60_000 } : {}),
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
    return new KafkaJsProducer(producer, transactional, memberOf)
  }

  constructor(
    private readonly producer: Producer,
    private readonly transactional: boolean,
    /** The group member in this process whose metadata a transaction's offsets carry (fencing of zombie members). */
    private readonly memberOf: (groupId: string) => GroupMember | undefined,
  ) {}

  get inTransaction(): boolean {
    return this.txn !== undefined
  }

  /**
   * Sends in call order, one request after another: kafkajs numbers an idempotent producer's batches
   * when it builds a request, so two sends at once would both take the same sequence numbers. Sends
   * made while one is in flight wait together and go in one request when it ends, as librdkafka
   * batches what accumulates behind its in-flight requests: one request per send made a stream
   * thread's tasks (one send each after every batch) queue behind each other, about a second at 1,000
   * pings/s on the development machine. Each send resolves once its records are acknowledged.
   */
  async send(records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return
    const target = this.txn ?? this.producer
    if (this.transactional && this.txn === undefined) {
      throw new KafkaError(KAFKA_ERROR_CODES.USAGE, 'a transactional producer sends outside a transaction')
    }
    const waiting = this.waiting
    if (waiting !== undefined && waiting.target === target) {
      for (const record of records) waiting.records.push(record)
      return waiting.done
    }
    const batch: WaitingSend = {
      target,
      records: [...records],
      done: Promise.resolve(),
    }
    batch.done = this.sending.then(async () => {
      if (this.waiting === batch) this.waiting = undefined
      try {
        for (const chunk of chunks(batch.records))
          await target.sendBatch({ topicMessages: groupByTopic(chunk), acks: -1 })
      } catch (error) {
        throw error instanceof KafkaError ? error : brokerError('producing', error)
      }
    })
    this.waiting = batch
    this.sending = batch.done.catch(() => {})
    return batch.done
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
    // The member as it is now: a zombie's generation is refused by the coordinator (ILLEGAL_GENERATION).
    const member = this.memberOf(groupId)
    // A group's coordinator found a moment ago may still be loading or moving: asked again (askAgain).
    await askAgain('adding offsets to the transaction', () =>
      txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        ...(member === undefined ? {} : { consumerGroupMetadata: member }),
      }),
    )
  }

  async commitTransaction(): Promise<void> {
    const txn = this.requireTxn()
    this.txn = undefined
    // What was sent belongs in the transaction: ended only after it was acknowledged.
    await this.sending
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
    await this.sending
    try {
      await txn.abort()
    } catch (error) {
      throw brokerError('aborting the transaction', error)
    }
  }

  private requireTxn(): Transaction {
    if (this.txn === undefined) throw new KafkaError(KAFKA_ERROR_CODES.USAGE, 'no transaction is open')
    return this.txn
  }

  async close(): Promise<void> {
    if (this.txn !== undefined) await this.abortTransaction().catch(() => {})
    await this.producer.disconnect()
  }
}
