import { randomUUID } from 'node:crypto'
import type {
  BackendAdmin,
  BackendProducer,
  BackendReader,
  BrokerRecord,
  Following,
  KafkaBackend,
  TopicPartition,
} from '@oxagry/kafka'
import type { RuntimeContext } from './context.ts'
import { InstanceClaims } from './instance-claims.ts'
import { decodeInstanceEntry, encodeInstanceEntry, instancesTopic } from './instance-record.ts'

/** What the instance tells the directory about itself each time it publishes. */
export interface LocalState {
  readonly running: boolean
  readonly partitions: readonly TopicPartition[]
  readonly standbyPartitions: readonly TopicPartition[]
}

/** An entry older than this many heartbeats is taken for an instance that died. */
const STALE_HEARTBEATS = 3

/**
 * Shares `applicationServer` and the partitions each instance owns through the compacted topic
 * `<applicationId>-instances` (where Kafka Streams uses the group's subscription userData and
 * assignment): publishes this instance's entry on every rebalance step and every heartbeat, a tombstone
 * when it closes, and follows everyone's entries into `claims`.
 */
export class InstanceDirectory {
  readonly claims: InstanceClaims
  readonly topic: string
  private readonly processId = randomUUID()
  private producer: BackendProducer | undefined
  private reader: BackendReader | undefined
  private following: Following | undefined
  private timer: NodeJS.Timeout | undefined
  private sending: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly context: RuntimeContext,
    private readonly backend: KafkaBackend,
    readonly endpoint: string,
    private readonly local: () => LocalState,
  ) {
    this.claims = new InstanceClaims(context.config.instanceHeartbeatMs * STALE_HEARTBEATS)
    this.topic = instancesTopic(context.config.applicationId)
  }

  async start(admin: BackendAdmin): Promise<void> {
    const { config } = this.context
    await admin.createTopics([
      {
        name: this.topic,
        partitions: 1,
        ...(config.replicationFactor === undefined ? {} : { replicationFactor: config.replicationFactor }),
        config: { 'cleanup.policy': 'compact' },
      },
    ])
    this.producer = await this.backend.producer({ clientId: `${config.applicationId}-instances-producer` })
    this.reader = this.backend.reader({
      clientId: `${config.applicationId}-instances-reader`,
      readCommitted: false,
    })
    this.following = await this.reader.follow([{ topic: this.topic, partition: 0, offset: '0' }], (records) =>
      this.apply(records),
    )
    this.publish()
    this.timer = setInterval(() => this.publish(), config.instanceHeartbeatMs)
    this.timer.unref()
  }

  private async apply(records: readonly BrokerRecord[]): Promise<void> {
    for (const record of records) {
      if (record.key === null) continue
      const endpoint = record.key.toString('utf8')
      const entry = record.value === null ? undefined : decodeInstanceEntry(record.value)
      if (record.value !== null && entry === undefined) {
        this.context.logger.warn({ offset: record.offset, endpoint }, 'skipping an unreadable instance entry')
        continue
      }
      this.claims.apply(endpoint, entry, Number(record.offset))
    }
  }

  /** Sends this instance's entry as it is now, after any send still under way. */
  publish(): void {
    if (this.stopped) return
    const { running, partitions, standbyPartitions } = this.local()
    const value = encodeInstanceEntry({
      endpoint: this.endpoint,
      processId: this.processId,
      state: running ? 'RUNNING' : 'REBALANCING',
      partitions,
      standbyPartitions,
      publishedAt: Date.now(),
    })
    this.send(value)
  }

  private send(value: Buffer | null): void {
    const producer = this.producer
    if (producer === undefined) return
    this.sending = this.sending.then(() =>
      producer
        .send([
          {
            topic: this.topic,
            partition: 0,
            key: Buffer.from(this.endpoint, 'utf8'),
            value,
            timestamp: Date.now(),
            headers: {},
          },
        ])
        .catch((error: unknown) => {
          // The next heartbeat publishes again; queries meanwhile see the last entry that landed.
          this.context.logger.warn({ err: error, topic: this.topic }, 'could not publish this instance')
        }),
    )
  }

  /** Leaves the directory: a tombstone, so no one routes here any more, then closes its clients. */
  async stop(): Promise<void> {
    if (this.stopped) return
    clearInterval(this.timer)
    this.send(null)
    this.stopped = true
    await this.sending
    await this.following?.stop().catch(() => {})
    await this.reader?.close().catch(() => {})
    await this.producer?.close().catch(() => {})
  }
}
