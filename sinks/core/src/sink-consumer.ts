import type { Logger } from 'pino'
import { tpKey, type BackendAdmin, type BackendConsumer, type TopicPartition } from '@oxagry/kafka'
import { backoffDelay, sleep } from './backoff.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import type { SinkMetrics } from './metrics.ts'
import type { ResolvedSinkOptions } from './options.ts'
import { SinkState } from './sink-health.ts'
import type { SinkStatus } from './sink-status.ts'
import type { SinkTask } from './sink-task.ts'

/**
 * How long a member may go without an answered fetch (an idle kafkajs member fetches every 100 ms)
 * before the broker probe counts it as out of reach.
 */
export const PROBE_UNANSWERED_FETCH_MS = 2_000

export interface SinkConsumerOptions {
  readonly options: Pick<
    ResolvedSinkOptions<unknown>,
    'backend' | 'groupId' | 'clientId' | 'readCommitted' | 'topics' | 'retry'
  >
  readonly task: Pick<SinkTask<unknown>, 'accept' | 'flush' | 'dropBuffer' | 'idle'>
  readonly status: SinkStatus
  readonly metrics: SinkMetrics
  readonly labels: { readonly sink: string; readonly target: string }
  readonly logger: Logger
  /** Aborted by stop(): no new consumer is started. */
  readonly stopped: AbortSignal
  /** The consumer gave up on a failure no new consumer can help with: the sink fails. */
  readonly onFatal: (error: unknown) => void
}

/**
 * The sink's group member and its replacement, as Kafka Connect restarts a failed task: runs a consumer
 * whose deliveries go to the task, and when it gives up on a transient failure, drops what it delivered
 * and nobody committed and starts a new one from the last commit. Also answers the broker probe and
 * measures lag, both over the partitions it holds.
 */
export class SinkConsumer {
  private consumer: BackendConsumer | undefined
  private readonly assigned = new Map<string, TopicPartition>()
  /**
   * Aborted when the consumer gave up on a transient failure: the batch in hand (read by that
   * consumer, uncommitted) is dropped rather than retried, and a new consumer reads it again from the
   * last commit. Replaced with each new consumer.
   */
  private lostController = new AbortController()
  private restartingNow: Promise<void> | undefined

  constructor(private readonly options: SinkConsumerOptions) {}

  /** The member in the group now, if any. */
  get current(): BackendConsumer | undefined {
    return this.consumer
  }

  /** Aborted once the current consumer gave up. */
  get lost(): AbortSignal {
    return this.lostController.signal
  }

  /** The replacement under way, if any: resolves once a new consumer runs or the sink stops. */
  get restarting(): Promise<void> | undefined {
    return this.restartingNow
  }

  /** A new group member for the topics; its handlers ignore it once another has replaced it. */
  async run(): Promise<void> {
    const { options, task, metrics, labels, logger } = this.options
    const consumer = options.backend.consumer({
      groupId: options.groupId,
      clientId: options.clientId,
      readCommitted: options.readCommitted,
    })
    this.consumer = consumer
    const current = (): boolean => this.consumer === consumer
    await consumer.run(options.topics, {
      onAssigned: async (partitions) => {
        if (partitions.length === 0 || !current()) return
        for (const p of partitions) this.assigned.set(tpKey(p.topic, p.partition), p)
        logger.info({ partitions }, 'partitions assigned')
      },
      onRevoked: async (partitions) => {
        if (!current()) return
        // Whatever is buffered is written and committed while this member still owns it.
        await task.flush().catch(() => {})
        for (const p of partitions) {
          this.assigned.delete(tpKey(p.topic, p.partition))
          metrics.consumerLag.remove({ sink: labels.sink, topic: p.topic, partition: p.partition })
        }
      },
      eachBatch: (batch) => (current() ? task.accept(batch) : Promise.resolve()),
      onFailed: (error) => {
        if (current()) this.failed(error)
      },
    })
  }

  /**
   * Reads the group's committed offsets: an answer means the coordinator is reachable. A member whose
   * fetches have gone unanswered (or whose rebalance has not ended in a join) for longer than
   * {@link PROBE_UNANSWERED_FETCH_MS} fails it too: the coordinator answering an admin call says
   * nothing of a member that consumes nothing.
   */
  async probe(): Promise<void> {
    const consumer = this.consumer
    if (consumer === undefined)
      throw new SinkError(SINK_ERROR_CODES.BROKER_UNREACHABLE, 'no consumer running')
    const unanswered = consumer.unansweredFetchMs?.() ?? 0
    if (unanswered > PROBE_UNANSWERED_FETCH_MS)
      throw new SinkError(
        SINK_ERROR_CODES.BROKER_UNREACHABLE,
        `the group member has fetched nothing (or not rejoined) for ${unanswered} ms`,
      )
    const assigned = [...this.assigned.values()]
    await consumer.committed(
      assigned.length > 0 ? assigned : this.options.options.topics.map((topic) => ({ topic, partition: 0 })),
    )
  }

  /** Sets the lag gauge of each partition held: end offset minus committed offset. */
  async measureLag(admin: BackendAdmin | undefined): Promise<void> {
    const { metrics, labels, logger } = this.options
    const consumer = this.consumer
    if (consumer === undefined || admin === undefined || this.assigned.size === 0) return
    try {
      const partitions = [...this.assigned.values()]
      const committed = await consumer.committed(partitions)
      for (const topic of new Set(partitions.map((p) => p.topic))) {
        const ends = await admin.endOffsets(topic)
        for (const p of partitions.filter((x) => x.topic === topic)) {
          const end = Number(ends.get(p.partition) ?? '0')
          const at = Number(committed.get(tpKey(p.topic, p.partition)) ?? '0')
          metrics.consumerLag.set({ sink: labels.sink, topic, partition: p.partition }, Math.max(0, end - at))
        }
      }
    } catch (error) {
      logger.debug({ err: error }, 'measuring lag failed')
    }
  }

  /**
   * The consumer gave up. On a failure a retry can help (the broker out of reach), as Kafka Connect
   * restarts a task, the sink drops what that consumer delivered and has not committed, and starts a
   * new consumer, with backoff and forever, which reads on from the last commit (the targets take the
   * replay idempotently); not ready meanwhile. On any other, it fails.
   */
  private failed(error: unknown): void {
    const { status, logger, task } = this.options
    if (!status.accepting) return
    if ((error as { retriable?: unknown } | null)?.retriable !== true) return this.options.onFatal(error)
    status.lastError = error
    status.state = SinkState.RETRYING
    status.publishUp()
    logger.warn({ err: error }, 'the consumer gave up: starting a new one from the last commit')
    this.lostController.abort()
    task.dropBuffer()
    this.restartingNow ??= this.restart().finally(() => (this.restartingNow = undefined))
  }

  private async restart(): Promise<void> {
    const { status, logger, task, stopped } = this.options
    for (let attempt = 1; !stopped.aborted; attempt++) {
      // The flush in hand ends at once (its retries see the abort) without committing.
      await task.idle()
      const old = this.consumer
      this.consumer = undefined
      this.assigned.clear()
      await old?.stop().catch((e: unknown) => logger.debug({ err: e }, 'stopping the old consumer failed'))
      if (stopped.aborted) return
      this.lostController = new AbortController()
      task.dropBuffer()
      try {
        await this.run()
        if (status.state === SinkState.RETRYING) status.state = SinkState.RUNNING
        status.publishUp()
        logger.info({ attempt }, 'a new consumer runs: reading on from the last commit')
        return
      } catch (error) {
        status.lastError = error
        const delay = backoffDelay(attempt, this.options.options.retry)
        logger.warn({ attempt, delayMs: delay, err: error }, 'starting a new consumer failed: retrying')
        await sleep(delay, stopped)
      }
    }
  }
}
