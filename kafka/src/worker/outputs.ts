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
 * How a worker's outputs and offsets are written:
 * - `member`: exactly-once, one transaction of the member open over several batches (its offsets carry
 *   the group's metadata, so a member the group moved past cannot commit): Kafka Streams' exactly_once_v2.
 * - `partition`: exactly-once on a backend without group metadata: a transactional producer per owned
 *   partition, whose id a new owner takes over, fencing the old one and aborting its open transaction.
 * - `acknowledged`: at-least-once, one producer, and the offset committed once the records are acknowledged.
 */
export type OutputMode = 'member' | 'partition' | 'acknowledged'

/** The member's open transaction: what was sent in it and the offsets it will commit. */
interface OpenTransaction {
  readonly startedAt: number
  readonly sends: Promise<void>[]
  readonly offsets: Map<string, PartitionOffset>
  /** The first record of each partition handled in it: a batch starting past it after an abort is stale. */
  readonly firstHandled: Map<string, bigint>
}

/** What committing the member's transaction came to. */
export type MemberCommit =
  | { readonly result: 'written'; readonly offsets: readonly PartitionOffset[] }
  /** The group moved on: nothing of it committed; each partition's first record handled in it. */
  | { readonly result: 'moved'; readonly firstHandled: ReadonlyMap<string, bigint> }

/** Where a worker's outputs go with the offsets they finish. */
export class WorkerOutputs {
  readonly mode: OutputMode
  /** at-least-once's producer, or the member's transactional one. */
  private shared: BackendProducer | undefined
  private readonly producers = new Map<string, BackendProducer>()
  private open: OpenTransaction | undefined

  constructor(
    private readonly backend: KafkaBackend,
    private readonly settings: WorkerSettings,
    private readonly logger: Logger,
  ) {
    this.mode = !settings.exactlyOnce
      ? 'acknowledged'
      : backend.transactionalIds === 'per-thread'
        ? 'member'
        : 'partition'
  }

  async start(): Promise<void> {
    const { clientId, groupId, instanceId } = this.settings
    if (this.mode === 'acknowledged') this.shared = await this.backend.producer({ clientId })
    if (this.mode === 'member')
      this.shared = await this.backend.producer({ clientId, transactionalId: `${groupId}-${instanceId}` })
  }

  /** A partition newly owned: per partition, its producer (fencing the previous owner's). */
  async assign(p: TopicPartition): Promise<void> {
    const key = tpKey(p.topic, p.partition)
    if (this.mode !== 'partition' || this.producers.has(key)) return
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
   * Writes the records and commits the offset (when given) together (`partition` and `acknowledged`
   * modes): in one transaction, or the offset after the records. Throws what it cannot get past.
   */
  async write(
    key: string,
    consumer: BackendConsumer,
    records: readonly ProducedRecord[],
    offset: PartitionOffset | undefined,
  ): Promise<WriteResult> {
    try {
      if (this.mode === 'partition') {
        const producer = this.producers.get(key)
        if (producer === undefined) return 'moved'
        await producer.beginTransaction()
        try {
          await Promise.all([producer.send(records), producer.flush?.()])
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

  /** How long the member's transaction has been open, in ms; undefined when none is. */
  openFor(now = Date.now()): number | undefined {
    return this.open === undefined ? undefined : now - this.open.startedAt
  }

  /**
   * Adds a partition's records (sent now, acknowledged by the commit) and the offset they finish to the
   * member's transaction, beginning one when none is open. `firstHandled`: the offset of the first
   * record they come from.
   */
  async stage(
    key: string,
    records: readonly ProducedRecord[],
    offset: PartitionOffset | undefined,
    firstHandled: bigint | undefined,
  ): Promise<void> {
    const producer = this.shared!
    if (this.open === undefined) {
      await producer.beginTransaction()
      this.open = { startedAt: Date.now(), sends: [], offsets: new Map(), firstHandled: new Map() }
    }
    const open = this.open
    if (records.length > 0) {
      const sent = producer.send(records)
      // Awaited by the commit; a rejection meanwhile is not left unhandled.
      sent.catch(() => {})
      open.sends.push(sent)
    }
    if (offset !== undefined) open.offsets.set(key, offset)
    if (firstHandled !== undefined && !open.firstHandled.has(key)) open.firstHandled.set(key, firstHandled)
  }

  /**
   * Commits the member's transaction: its records acknowledged and its offsets sent, together, then the
   * commit. `moved` when the group moved past this member (the transaction is aborted); throws what
   * retrying cannot help, a fenced producer among it (another live member has this instance's id).
   */
  async commit(): Promise<MemberCommit> {
    const open = this.open
    if (open === undefined) return { result: 'written', offsets: [] }
    this.open = undefined
    const producer = this.shared!
    const offsets = [...open.offsets.values()]
    try {
      await Promise.all([
        ...open.sends,
        // Sent now, not when the producer's linger ends: the commit waits on them.
        open.sends.length > 0 ? producer.flush?.() : undefined,
        offsets.length > 0 ? producer.sendOffsets(this.settings.groupId, offsets) : undefined,
      ])
      await producer.commitTransaction()
      return { result: 'written', offsets }
    } catch (error) {
      await producer.abortTransaction().catch(() => {})
      if (errorCode(error) !== KAFKA_ERROR_CODES.REBALANCED) throw error
      this.logger.warn(
        { err: error, partitions: [...open.offsets.keys()] },
        'the group moved on before the commit: its partitions are read again from their last commit',
      )
      return { result: 'moved', firstHandled: open.firstHandled }
    }
  }

  /** Aborts what is open (a worker failing), then closes every producer. */
  async closeAll(): Promise<void> {
    if (this.open !== undefined) {
      this.open = undefined
      await this.shared
        ?.abortTransaction()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'aborting the open transaction failed'))
    }
    const producers = [...this.producers.values(), ...(this.shared === undefined ? [] : [this.shared])]
    this.producers.clear()
    this.shared = undefined
    await Promise.allSettled(producers.map((p) => p.close()))
  }
}
