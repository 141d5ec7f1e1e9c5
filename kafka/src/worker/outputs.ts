import type { Logger } from 'pino'
import { KAFKA_ERROR_CODES } from '../errors.ts'
import type {
  BackendConsumer,
  BackendProducer,
  KafkaBackend,
  PartitionOffset,
  ProducedRecord,
  TopicPartition,
} from '../types.ts'
import { tpKey } from '../types.ts'
import { errorCode } from '../worker-support.ts'
import type { WorkerSettings } from './options.ts'

/** What a write came to: done, or the partition moved to another member (fenced, or the group moved on). */
export type WriteResult = 'written' | 'moved'

/**
 * Where a worker's outputs go with the offsets they finish. exactly_once: one transactional producer
 * per owned partition, whose id a new owner takes over, fencing the old one and aborting its open
 * transaction. at_least_once: one producer, and the offset committed once the records are acknowledged.
 */
export class WorkerOutputs {
  private shared: BackendProducer | undefined
  private readonly producers = new Map<string, BackendProducer>()

  constructor(
    private readonly backend: KafkaBackend,
    private readonly settings: WorkerSettings,
    private readonly logger: Logger,
  ) {}

  async open(): Promise<void> {
    if (!this.settings.exactlyOnce)
      this.shared = await this.backend.producer({ clientId: this.settings.clientId })
  }

  /** A partition newly owned: under exactly_once, its producer (fencing the previous owner's). */
  async assign(p: TopicPartition): Promise<void> {
    const key = tpKey(p.topic, p.partition)
    if (!this.settings.exactlyOnce || this.producers.has(key)) return
    this.producers.set(
      key,
      await this.backend.producer({
        clientId: `${this.settings.clientId}-${p.partition}`,
        transactionalId: `${this.settings.groupId}-${p.topic}-${p.partition}`,
      }),
    )
  }

  async release(key: string): Promise<void> {
    const producer = this.producers.get(key)
    this.producers.delete(key)
    await producer?.close().catch((e: unknown) => this.logger.warn({ err: e }, 'closing a producer failed'))
  }

  /**
   * Writes the records and commits the offset (when given) together: in one transaction, or the
   * offset after the records. Throws what it cannot get past.
   */
  async write(
    key: string,
    consumer: BackendConsumer,
    records: readonly ProducedRecord[],
    offset: PartitionOffset | undefined,
  ): Promise<WriteResult> {
    try {
      if (this.settings.exactlyOnce) {
        const producer = this.producers.get(key)
        if (producer === undefined) return 'moved'
        await producer.beginTransaction()
        try {
          await producer.send(records)
          if (offset !== undefined) await producer.sendOffsets(this.settings.groupId, [offset])
          await producer.commitTransaction()
        } catch (error) {
          await producer.abortTransaction().catch(() => {})
          throw error
        }
      } else {
        if (records.length > 0) await this.shared!.send(records)
        if (offset !== undefined) await consumer.commit([offset])
      }
      return 'written'
    } catch (error) {
      const code = errorCode(error)
      if (code === KAFKA_ERROR_CODES.FENCED || code === KAFKA_ERROR_CODES.REBALANCED) {
        this.logger.warn(
          { err: error, partition: key },
          'the partition moved: its next owner does the uncommitted records again',
        )
        return 'moved'
      }
      throw error
    }
  }

  async closeAll(): Promise<void> {
    const producers = [...this.producers.values(), ...(this.shared === undefined ? [] : [this.shared])]
    this.producers.clear()
    this.shared = undefined
    await Promise.allSettled(producers.map((p) => p.close()))
  }
}
