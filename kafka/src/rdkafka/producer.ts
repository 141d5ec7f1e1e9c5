import type * as RdKafka from 'node-rdkafka'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import type { BackendProducer, PartitionOffset, ProducedRecord } from '../types.ts'
import { call, connect, disconnect, rdkafka, rdkafkaError } from './client.ts'
import { fromHeaders } from './records.ts'

const QUEUE_FULL = -184
/** Kafka Streams' linger.ms for its producers. */
const TRANSACTIONAL_LINGER_MS = 100

const TRANSACTION_TIMEOUT_MS = 60_000

/** How long a flush waits for the broker's acknowledgements (within the native call's bound); a send still pending then reports its own failure. */
const FLUSH_TIMEOUT_MS = 30_000

/** librdkafka's default `message.timeout.ms`: a record not acknowledged by then is reported failed. */
const MESSAGE_TIMEOUT_MS = 300_000

/**
 * One send's delivery reports: settles when every record is acknowledged, or on the first failure.
 * librdkafka reports every record within its message timeout, through a poll that keeps nothing of
 * Node's alive; past that and a margin, the send fails as timed out rather than wait on an empty loop.
 */
class Deliveries {
  private pending: number
  private failure: unknown
  readonly done: Promise<void>
  private settle!: (error?: unknown) => void
  private readonly timer: NodeJS.Timeout

  constructor(count: number, timeoutMs: number) {
    this.pending = count
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error))
    })
    const boundMs = timeoutMs + 15_000
    this.timer = setTimeout(
      () =>
        this.settle(
          Object.assign(new Error(`no delivery report within ${boundMs} ms`), {
            code: -192 /* _MSG_TIMED_OUT */,
          }),
        ),
      boundMs,
    )
  }

  /** The send failed before handing every record over: nobody waits for these reports. */
  abandon(): void {
    clearTimeout(this.timer)
  }

  report(error: unknown): void {
    if (error && this.failure === undefined) this.failure = error
    if (--this.pending === 0) {
      clearTimeout(this.timer)
      this.settle(this.failure)
    }
  }
}

/**
 * An idempotent librdkafka producer (acks=all), transactional with an id. librdkafka batches, compresses
 * and sends on its own threads; `send` resolves when every record of the call is acknowledged.
 */
export class RdKafkaProducer implements BackendProducer {
  private open = false

  private constructor(
    private readonly producer: RdKafka.Producer,
    private readonly transactional: boolean,
    /** The group member whose metadata a transaction's offsets carry (fencing of zombie members). */
    private readonly memberOf: (
      groupId: string,
    ) => Promise<{ consumer: RdKafka.KafkaConsumer; release(): Promise<void> }>,
  ) {
    producer.on('delivery-report', (error, report) =>
      (report.opaque as Deliveries | undefined)?.report(error ?? undefined),
    )
  }

  static async connect(
    config: Record<string, string | number | boolean>,
    transactionalId: string | undefined,
    memberOf: (groupId: string) => Promise<{ consumer: RdKafka.KafkaConsumer; release(): Promise<void> }>,
  ): Promise<RdKafkaProducer> {
    const producer = new (rdkafka().Producer)(
      {
        ...config,
        'enable.idempotence': true,
        dr_cb: true,
        ...(transactionalId === undefined
          ? { 'linger.ms': 5 }
          : {
              'transactional.id': transactionalId,
              'transaction.timeout.ms': TRANSACTION_TIMEOUT_MS,
              // Kafka Streams' producer default (StreamsConfig's linger.ms override). Records of an open
              // transaction are invisible to read_committed readers until it commits, and the commit
              // flushes at once (librdkafka ignores linger.ms while flushing): a transaction's records
              // go out in fewer requests (still one per partition) and no reader sees them later for it.
              'linger.ms': TRANSACTIONAL_LINGER_MS,
            }),
      },
      // Java's partitioner (murmur2 of the key; null keys spread), as partitionForKey: librdkafka's default
      // (crc32) would put a key on another partition than Kafka Streams and the memory broker do.
      { partitioner: 'murmur2_random' },
    )
    await connect(producer as never, 'connecting a producer')
    producer.setPollInterval(10)
    if (transactionalId !== undefined) {
      // Registers the transactional id now, before the task restores: any older producer with it (a zombie
      // of this task) is fenced and its open transaction aborted.
      await call('registering the transactional id', (done) => producer.initTransactions(30_000, done)).catch(
        async (error: unknown) => {
          await disconnect(producer as never)
          throw error
        },
      )
    }
    return new RdKafkaProducer(producer, transactionalId !== undefined, memberOf)
  }

  get inTransaction(): boolean {
    return this.open
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return
    if (this.transactional && !this.open)
      throw new KafkaError(KAFKA_ERROR_CODES.USAGE, 'a transactional producer sends outside a transaction')
    const deliveries = new Deliveries(
      records.length,
      this.transactional ? TRANSACTION_TIMEOUT_MS : MESSAGE_TIMEOUT_MS,
    )
    for (const r of records) {
      for (;;) {
        try {
          this.producer.produce(
            r.topic,
            r.partition ?? null,
            r.value,
            r.key,
            r.timestamp,
            deliveries,
            fromHeaders(r.headers),
          )
          break
        } catch (error) {
          // librdkafka's queue is full: let its threads drain it, then hand the record over again.
          if ((error as { code?: number }).code !== QUEUE_FULL) {
            deliveries.abandon()
            throw rdkafkaError('producing', error)
          }
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
    }
    await deliveries.done.catch((error: unknown) => {
      throw rdkafkaError('producing', error)
    })
  }

  async flush(): Promise<void> {
    // A record that fails rejects its send, which the caller awaits too; the flush only hurries them.
    await call('flushing', (done) => this.producer.flush(FLUSH_TIMEOUT_MS, done)).catch(() => {})
  }

  async beginTransaction(): Promise<void> {
    await call('beginning a transaction', (done) => this.producer.beginTransaction(done))
    this.open = true
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const member = await this.memberOf(groupId)
    try {
      await call('adding offsets to the transaction', (done) =>
        this.producer.sendOffsetsToTransaction(
          offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) })),
          member.consumer,
          30_000,
          done,
        ),
      )
    } finally {
      await member.release()
    }
  }

  async commitTransaction(): Promise<void> {
    this.open = false
    await call('committing the transaction', (done) => this.producer.commitTransaction(30_000, done))
  }

  async abortTransaction(): Promise<void> {
    if (!this.open) return
    this.open = false
    await call('aborting the transaction', (done) => this.producer.abortTransaction(30_000, done))
  }

  async close(): Promise<void> {
    if (this.open) await this.abortTransaction().catch(() => {})
    await call('flushing', (done) => this.producer.flush(10_000, done)).catch(() => {})
    await disconnect(this.producer as never)
  }
}
