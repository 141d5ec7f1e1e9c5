import type * as RdKafka from 'node-rdkafka'
import {
  tpKey,
  type BackendConsumer,
  type BrokerRecord,
  type ConsumerHandlers,
  type PartitionOffset,
  type TopicPartition,
} from '../types.ts'
import { caughtUp } from '../caught-up.ts'
import { call, connect, consumeQueued, disconnect, pollingLoop, rdkafka, rdkafkaError } from './client.ts'
import { toBrokerRecord } from './records.ts'

const ASSIGN = -175
const REVOKE = -174
const NO_OFFSET = -1001
const BATCH = 1000

export interface ConsumerSettings {
  readonly config: Record<string, string | number | boolean>
  readonly groupId: string
  readonly clientId: string
  readonly readCommitted: boolean
  readonly sessionTimeoutMs: number
}

/** A consumer of the group that is not a member, to read its committed offsets or lend its metadata. */
export async function groupClient(settings: ConsumerSettings): Promise<RdKafka.KafkaConsumer> {
  const consumer = new (rdkafka().KafkaConsumer)(
    {
      ...settings.config,
      'group.id': settings.groupId,
      'client.id': settings.clientId,
      'enable.auto.commit': false,
    },
    {},
  )
  await connect(consumer as never, `connecting a client of group ${settings.groupId}`)
  return consumer
}

export async function committedOffsets(
  consumer: RdKafka.KafkaConsumer,
  groupId: string,
  partitions: readonly TopicPartition[],
): Promise<Map<string, string | undefined>> {
  const offsets = await call<RdKafka.TopicPartitionOffset[]>(
    `reading the committed offsets of ${groupId}`,
    (done) =>
      consumer.committed(
        partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
        10_000,
        done,
      ),
  )
  return new Map(
    offsets.map((o) => [
      tpKey(o.topic, o.partition),
      o.offset >= 0 && o.offset !== NO_OFFSET ? String(o.offset) : undefined,
    ]),
  )
}

/**
 * A group member on librdkafka, with the cooperative-sticky assignor: a rebalance moves only the
 * partitions that change owner, and the rest keep being processed. librdkafka waits for the application
 * to take or give up partitions, so revocation (commit and close) and assignment (restore, then the
 * positions the application places) complete before the rebalance does. Records fetched for a partition
 * below the position the application placed are dropped.
 */
export class RdKafkaConsumer implements BackendConsumer {
  private consumer: RdKafka.KafkaConsumer | undefined
  private handlers: ConsumerHandlers | undefined
  private readonly owned = new Map<string, TopicPartition>()
  /** The next offset each owned partition delivers; what a seek placed, then what was delivered. */
  private readonly next = new Map<string, number>()
  /** Where each partition's fetch last reached its end (a partition-EOF event): that end offset. */
  private readonly ends = new Map<string, number>()
  /** Seeks asked for partitions librdkafka has not been given yet: their starting offsets. */
  private readonly pendingSeeks = new Map<string, number>()
  private rebalancing: Promise<void> = Promise.resolve()
  private running = false
  private loop: Promise<void> | undefined

  constructor(
    private readonly settings: ConsumerSettings,
    private readonly onRunning: (consumer: RdKafka.KafkaConsumer | undefined) => void,
  ) {}

  async run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers
    const { settings } = this
    const consumer = new (rdkafka().KafkaConsumer)(
      {
        ...settings.config,
        'group.id': settings.groupId,
        'client.id': settings.clientId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': settings.readCommitted ? 'read_committed' : 'read_uncommitted',
        'session.timeout.ms': settings.sessionTimeoutMs,
        'partition.assignment.strategy': 'cooperative-sticky',
        // The end a fetch reached (the last stable offset, read_committed) is how the application
        // knows a partition has nothing more on the way without asking the broker (fetchedEnds).
        'enable.partition.eof': true,
        rebalance_cb: (error: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) =>
          this.onRebalance(error, assignment),
      },
      { 'auto.offset.reset': 'earliest' },
    )
    this.consumer = consumer
    await connect(consumer as never, `connecting a member of group ${settings.groupId}`)
    consumer.on('event.error', (error) => {
      if ((error as { isFatal?: boolean }).isFatal === true && this.running)
        handlers.onFailed?.(rdkafkaError('consuming', error))
    })
    consumer.on('partition.eof', (eof) => {
      this.ends.set(tpKey(eof.topic, eof.partition), eof.offset)
    })
    consumer.subscribe([...topics])
    this.running = true
    this.onRunning(consumer)
    this.loop = this.poll()
  }

  private onRebalance(error: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]): void {
    const consumer = this.consumer
    const handlers = this.handlers
    if (consumer === undefined || handlers === undefined) return
    const partitions = assignment.map((a) => ({ topic: a.topic, partition: a.partition }))
    this.rebalancing = this.rebalancing
      .then(async () => {
        if (error.code === ASSIGN) {
          for (const p of partitions) this.owned.set(tpKey(p.topic, p.partition), p)
          this.pendingSeeks.clear()
          // The application restores and places positions (seek() below records them), then librdkafka
          // is given the partitions at those positions: nothing is fetched from anywhere else.
          if (this.running) await handlers.onAssigned(partitions, [...this.owned.values()])
          consumer.incrementalAssign(
            partitions.map((p) => {
              const offset = this.pendingSeeks.get(tpKey(p.topic, p.partition))
              return offset === undefined ? p : { ...p, offset }
            }),
          )
        } else if (error.code === REVOKE) {
          const taken = partitions.filter((p) => this.owned.has(tpKey(p.topic, p.partition)))
          if (taken.length > 0 && this.running) await handlers.onRevoked(taken)
          for (const p of partitions) {
            this.owned.delete(tpKey(p.topic, p.partition))
            this.next.delete(tpKey(p.topic, p.partition))
            this.ends.delete(tpKey(p.topic, p.partition))
          }
          consumer.incrementalUnassign(partitions)
        }
      })
      .catch((failure: unknown) => {
        // The application failed while taking or giving up partitions; it stops itself. librdkafka is
        // still told, so the group can move on.
        if (error.code === ASSIGN) consumer.incrementalAssign(partitions)
        else consumer.incrementalUnassign(partitions)
        if (this.running) handlers.onFailed?.(failure)
      })
  }

  private consume(): Promise<RdKafka.Message[]> {
    const consumer = this.consumer
    return consumer === undefined ? Promise.resolve([]) : consumeQueued(consumer, BATCH, 100, 'consuming')
  }

  private async poll(): Promise<void> {
    const handlers = this.handlers
    const ended = pollingLoop()
    try {
      await this.pollLoop(handlers)
    } finally {
      ended()
    }
  }

  private async pollLoop(handlers: ConsumerHandlers | undefined): Promise<void> {
    while (this.running && handlers !== undefined) {
      let messages: RdKafka.Message[]
      try {
        messages = await this.consume()
      } catch (error) {
        // librdkafka recovers from what is not fatal by itself (a broker restarting, a leader moving).
        if ((error as { cause?: { isFatal?: boolean } }).cause?.isFatal === true) {
          this.running = false
          handlers.onFailed?.(error)
          break
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
        continue
      }
      try {
        await this.rebalancing
        if (!this.running) break
        await this.deliver(messages, handlers)
      } catch {
        // The application's handler failed: it decides what happens next; this member stops fetching.
        this.running = false
      }
    }
  }

  private async deliver(messages: readonly RdKafka.Message[], handlers: ConsumerHandlers): Promise<void> {
    const byPartition = new Map<string, BrokerRecord[]>()
    for (const message of messages) {
      const key = tpKey(message.topic, message.partition)
      if (!this.owned.has(key)) continue
      const next = this.next.get(key)
      if (next !== undefined && message.offset < next) continue
      const list = byPartition.get(key) ?? []
      list.push(toBrokerRecord(message))
      byPartition.set(key, list)
    }
    // librdkafka's position passes the transaction markers it skipped after the last record: where the
    // partition is read next, which the application's lag must be measured from (see Batch.nextOffset).
    const positions = this.fetchPositions([...byPartition.values()].flatMap((records) => records.slice(-1)))
    for (const [key, records] of byPartition) {
      const last = records.at(-1)
      if (last === undefined || !this.owned.has(key)) continue
      const next = Math.max(Number(last.offset) + 1, Number(positions.get(key) ?? 0))
      this.next.set(key, Number(last.offset) + 1)
      await handlers.eachBatch({
        topic: last.topic,
        partition: last.partition,
        records,
        nextOffset: String(next),
        caughtUp: this.fetchedUpTo(key, next),
        heartbeat: async () => {},
      })
    }
  }

  /**
   * Whether a partition-EOF already said the fetch found nothing past `next` (one offset past it under
   * read_committed: the last transaction's marker). librdkafka sends that event after the batch's
   * records, so for a batch just fetched it is usually not known yet: undefined, never a guess (its
   * cached watermark is the high watermark, not the last stable offset).
   */
  private fetchedUpTo(key: string, next: number): boolean | undefined {
    const end = this.ends.get(key)
    if (end === undefined || end < next) return undefined
    return caughtUp(BigInt(next), BigInt(end), this.settings.readCommitted)
  }

  fetchPositions(partitions: readonly TopicPartition[]): Map<string, string> {
    const positions = new Map<string, string>()
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp.topic, tp.partition)))
    if (owned.length === 0 || this.consumer === undefined) return positions
    for (const p of this.consumer.position(owned.map((tp) => ({ topic: tp.topic, partition: tp.partition }))))
      if (p.offset >= 0) positions.set(tpKey(p.topic, p.partition), String(p.offset))
    return positions
  }

  fetchedEnds(partitions: readonly TopicPartition[]): Map<string, string> {
    const ends = new Map<string, string>()
    const consumer = this.consumer
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp.topic, tp.partition)))
    if (owned.length === 0 || consumer === undefined) return ends
    // An end counts while the fetch is still there: records past it mean the log has grown since.
    for (const p of consumer.position(owned.map((tp) => ({ topic: tp.topic, partition: tp.partition })))) {
      const key = tpKey(p.topic, p.partition)
      const end = this.ends.get(key)
      if (end !== undefined && p.offset >= 0 && p.offset <= end) ends.set(key, String(end))
    }
    return ends
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return
    const consumer = this.consumer
    if (consumer === undefined) return
    // On the thread pool (our patch of node-rdkafka, patches/): librdkafka's commitSync on the event loop
    // held every application of the process for the coordinator's round trip, each commit.
    const toppars = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) }))
    await call('committing offsets', (done) => consumer.commitCb(toppars, done))
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, string | undefined>> {
    if (this.consumer !== undefined && this.running)
      return committedOffsets(this.consumer, this.settings.groupId, partitions)
    const client = await groupClient(this.settings)
    try {
      return await committedOffsets(client, this.settings.groupId, partitions)
    } finally {
      await disconnect(client as never)
    }
  }

  seek(partition: PartitionOffset): void {
    const key = tpKey(partition.topic, partition.partition)
    const offset = Number(partition.offset)
    this.next.set(key, offset)
    const assigned = this.consumer?.assignments().some((a) => tpKey(a.topic, a.partition) === key) ?? false
    if (!assigned) {
      this.pendingSeeks.set(key, offset)
      return
    }
    this.consumer?.seek({ topic: partition.topic, partition: partition.partition, offset }, 0, () => {})
  }

  async stop(): Promise<void> {
    if (!this.running && this.consumer === undefined) return
    this.running = false
    await this.loop
    await this.rebalancing
    const taken = [...this.owned.values()]
    this.owned.clear()
    if (taken.length > 0 && this.handlers !== undefined) await this.handlers.onRevoked(taken).catch(() => {})
    this.onRunning(undefined)
    // Leaving the group makes librdkafka revoke what is left; the rebalance callback only unassigns now.
    if (this.consumer !== undefined) await disconnect(this.consumer as never)
    this.consumer = undefined
  }
}
