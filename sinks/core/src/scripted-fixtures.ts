/** A consumer and backend the sink's tests drive by hand, for what the memory broker cannot do. */
import {
  KAFKA_ERROR_CODES,
  KafkaError,
  type MemoryBackend,
  type BackendConsumer,
  type BrokerRecord,
  type ConsumerHandlers,
  type KafkaBackend,
  type PartitionOffset,
} from '@oxagry/kafka'
import { partition0 } from './sink-fixtures.ts'

/**
 * A consumer the test drives: it delivers what the test hands it and behaves like kafkajs on stop
 * (revokes, may still deliver a fetched batch, then disconnects; a commit after that fails).
 */
export class ScriptedConsumer implements BackendConsumer {
  readonly log: string[] = []
  heartbeats = 0
  /** While true, reading the group's committed offsets fails as it does with the broker down. */
  unreachable = false
  /** What the member says of its fetches (kafkajs' `unansweredFetchMs`): 0, answered. */
  unanswered = 0
  private handlers: ConsumerHandlers | undefined
  private connected = false
  private refused = 0

  constructor(
    private readonly script: {
      readonly runFails?: boolean
      readonly lateBatch?: readonly BrokerRecord[]
      /** Commits refused as a rebalancing group refuses them. */
      readonly rebalancedCommits?: number
      /** Commits refused as kafkajs refuses them while it restarts its consumer after an outage. */
      readonly restartingCommits?: number
    } = {},
  ) {}

  async run(_topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    if (this.script.runFails === true) throw new Error('broker unreachable (scripted)')
    this.handlers = handlers
    this.connected = true
    await handlers.onAssigned([partition0])
  }

  deliver(records: readonly BrokerRecord[]): Promise<void> {
    return this.handlers!.eachBatch({
      ...partition0,
      records,
      heartbeat: async () => void this.heartbeats++,
    })
  }

  /** The client gives up for good, as kafkajs does after an error it does not restart on. */
  crash(error: Error): void {
    this.handlers!.onFailed?.(error)
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (!this.connected) throw Object.assign(new Error('not connected (scripted)'), { retriable: false })
    if (this.refused < (this.script.rebalancedCommits ?? 0)) {
      this.refused++
      this.log.push('commit refused')
      throw new KafkaError(KAFKA_ERROR_CODES.REBALANCED, 'the group has rebalanced (scripted)')
    }
    if (this.refused < (this.script.rebalancedCommits ?? 0) + (this.script.restartingCommits ?? 0)) {
      this.refused++
      this.log.push('commit refused')
      throw new KafkaError(
        KAFKA_ERROR_CODES.BROKER,
        'committing offsets: Consumer group was not initialized, consumer#run must be called first',
        { retriable: false },
      )
    }
    this.log.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`)
  }

  async committed(): Promise<Map<string, string | undefined>> {
    if (this.unreachable)
      throw new KafkaError(KAFKA_ERROR_CODES.BROKER, 'Connection error: ECONNREFUSED (scripted)', {
        retriable: true,
      })
    return new Map()
  }

  seek(): void {}

  unansweredFetchMs(): number {
    return this.unanswered
  }

  async stop(): Promise<void> {
    this.log.push('stop')
    await this.handlers?.onRevoked([partition0])
    if (this.script.lateBatch !== undefined) await this.deliver(this.script.lateBatch)
    this.connected = false
  }
}

/** The memory backend's producer and admin, with the consumer given and the closes logged. */
export function scriptedBackend(
  memory: MemoryBackend,
  consumer: BackendConsumer | (() => BackendConsumer),
  log: string[] = [],
): KafkaBackend {
  return {
    name: 'scripted',
    transactionalIds: memory.transactionalIds,
    close: () => memory.close(),
    consumer: typeof consumer === 'function' ? consumer : () => consumer,
    reader: (options) => memory.reader(options),
    producer: async (options) => {
      const producer = await memory.producer(options)
      return Object.assign(Object.create(producer) as typeof producer, {
        close: async () => void log.push('producer closed'),
      })
    },
    admin: async () => {
      const admin = await memory.admin()
      return Object.assign(Object.create(admin) as typeof admin, {
        close: async () => void log.push('admin closed'),
      })
    },
  }
}
