import type {
  BackendAdmin,
  BackendConsumer,
  BackendProducer,
  Batch,
  KafkaBackend,
  TopicPartition,
} from '@oxagry/kafka'
import { tpKey } from '@oxagry/kafka'
import type { StreamsError } from '../errors.ts'
import type { StreamRecord } from '../record.ts'
import type { StateStore } from '../state/store.ts'
import type { ChangelogRestorer } from './changelog-restorer.ts'
import { Committer } from './committer.ts'
import { appLabel, groupIdOf, isExactlyOnce, type RuntimeContext } from './context.ts'
import { ErrorRouter, isTaskMigration } from './error-router.ts'
import { FetchLag } from './fetch-lag.ts'
import type { InternalTopics } from './internal-topics.ts'
import { awaitable, RecordSender } from './record-collector.ts'
import type { SourceRoute } from './sources.ts'
import type { StateManager } from './state-manager.ts'
import { StreamsState } from './streams-state.ts'
import { TaskManager, type ActiveTask } from './task-manager.ts'

export interface StreamThreadDeps {
  readonly backend: KafkaBackend
  readonly admin: () => BackendAdmin | undefined
  readonly topics: InternalTopics
  readonly routes: ReadonlyMap<string, SourceRoute>
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly state: StateManager
  readonly restorer: ChangelogRestorer
  /** At-least-once: the instance's producer, shared by its tasks. */
  readonly sharedProducer: () => BackendProducer | undefined
  readonly setState: (next: StreamsState) => void
  /** Stops the instance with this error. */
  readonly fail: (error: unknown) => void
  /** What stopped the instance, once it failed: a failed thread neither processes nor commits. */
  readonly fatal: () => StreamsError | undefined
}

function nextOffset(offset: string): string {
  return String(Number(offset) + 1)
}

/**
 * One consumer's poll-process-commit loop (Kafka Streams' StreamThread): joins the group, hands
 * partitions to the task manager, runs batches through their tasks, punctuates, measures lag and
 * commits. Every unit of work (a batch, a commit, a rebalance, a punctuation) runs after the previous.
 */
export class StreamThread {
  readonly tasks: TaskManager
  private readonly sender: RecordSender
  private readonly committer: Committer
  private readonly errors: ErrorRouter
  private consumer: BackendConsumer | undefined
  private timer: NodeJS.Timeout | undefined
  private work: Promise<void> = Promise.resolve()
  private lastLag = 0
  private readonly lag: FetchLag

  constructor(
    private readonly context: RuntimeContext,
    private readonly deps: StreamThreadDeps,
  ) {
    this.lag = new FetchLag(context.config.pollIntervalMs)
    this.tasks = new TaskManager(context, deps, (partition, offset) => this.lag.placed(partition, offset))
    this.sender = new RecordSender(context, deps.topics, deps.sharedProducer)
    this.committer = new Committer(
      context,
      this.sender,
      deps.state,
      () => this.consumer,
      (active, error, reclaim) => this.dropMigrated(active, error, reclaim),
    )
    this.errors = new ErrorRouter(context)
  }

  /** Serializes a unit of work with every other: batches, commits, rebalances and punctuations. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.work.then(work)
    this.work = run.then(
      () => {},
      () => {},
    )
    return run
  }

  async start(): Promise<void> {
    const { config } = this.context
    const consumer = this.deps.backend.consumer({
      groupId: groupIdOf(this.context),
      clientId: `${config.applicationId}-consumer`,
      readCommitted: isExactlyOnce(this.context),
    })
    this.consumer = consumer
    const guarded = <T>(work: () => Promise<T>): Promise<T> =>
      this.serial(work).catch((error: unknown) => {
        this.deps.fail(error)
        throw error
      })
    await consumer.run([...this.deps.routes.keys()], {
      onRevoked: (partitions) => guarded(() => this.revoke(partitions)),
      onAssigned: (partitions, assignment) => guarded(() => this.assign(assignment ?? partitions)),
      eachBatch: (batch) => guarded(() => this.processBatch(batch)),
      onFailed: (error) => this.deps.fail(error),
    })
    this.timer = setInterval(() => {
      void this.serial(() => this.tick()).catch((error: unknown) => this.deps.fail(error))
    }, config.pollIntervalMs)
  }

  private async assign(partitions: readonly TopicPartition[]): Promise<void> {
    this.context.metrics.rebalances.inc(appLabel(this.context))
    this.deps.setState(StreamsState.REBALANCING)
    await this.tasks.assign(partitions, this.consumer)
    this.context.logger.info({ tasks: this.tasks.ids }, 'partitions assigned')
    this.deps.setState(StreamsState.RUNNING)
  }

  private async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    this.deps.setState(StreamsState.REBALANCING)
    await this.tasks.revoke(
      partitions,
      (tasks) => this.committer.commit(tasks),
      this.deps.fatal() !== undefined,
    )
  }

  /**
   * Queues a batch's records in their task's partition group (deserialized, timestamps extracted, as
   * Kafka's RecordQueue does on arrival), then processes what the group lets through.
   */
  private async processBatch(batch: Batch): Promise<void> {
    const fatal = this.deps.fatal()
    if (fatal !== undefined) throw fatal
    const { config } = this.context
    const key = tpKey(batch.topic, batch.partition)
    const active = this.tasks.taskOf(batch.topic, batch.partition)
    const route = this.deps.routes.get(batch.topic)
    if (active === undefined || route === undefined) return
    const { keySerde, valueSerde, node } = route
    // A record that cannot be queued is skipped: at once when nothing waits before it, else with the
    // record queued before it, so the committed offset never passes an unprocessed record.
    const skip = (done: string): void => {
      const before = active.group.last(key)
      if (before !== undefined) before.next = done
      else {
        active.offsets.set(key, done)
        active.dirty = true
      }
    }
    for (const record of batch.records) {
      this.lag.fetched(key, record.offset)
      const done = nextOffset(record.offset)
      let k: unknown = null
      let v: unknown = null
      try {
        if (record.key !== null) {
          const decoded = keySerde.deserialize(record.topic, record.key, record.headers)
          k = awaitable(decoded) ? await decoded : decoded
        }
        if (record.value !== null) {
          const decoded = valueSerde.deserialize(record.topic, record.value, record.headers)
          v = awaitable(decoded) ? await decoded : decoded
        }
      } catch (error) {
        await this.errors.route('deserialization', config.deserializationErrorHandler, error, record, active)
        skip(done)
        continue
      }
      const metadata = { topic: record.topic, partition: record.partition, offset: record.offset }
      let timestamp: number
      try {
        timestamp =
          node.timestampExtractor === undefined
            ? record.timestamp
            : node.timestampExtractor(
                { ...metadata, timestamp: record.timestamp, headers: record.headers },
                k,
                v,
                active.group.partitionTime(key),
              )
      } catch (error) {
        await this.errors.route('processing', config.processingErrorHandler, error, record, active)
        skip(done)
        continue
      }
      const input: StreamRecord<unknown, unknown> = { key: k, value: v, timestamp, headers: record.headers }
      active.group.add(key, { raw: record, record: input, metadata, next: done })
    }
    if (batch.nextOffset !== undefined) this.lag.fetchedUpTo(key, batch.nextOffset)
    if (await this.drain(active)) await this.maybeCommit()
  }

  /**
   * Processes a task's queued records while its partition group is ready, lowest timestamp first
   * (Kafka's PartitionGroup.nextRecord under max.task.idle.ms), then sends what they produced. Returns
   * false when the task was dropped as migrated.
   */
  private async drain(active: ActiveTask): Promise<boolean> {
    const { config, metrics } = this.context
    const started = process.hrtime.bigint()
    let processed = 0
    let looked = false
    for (;;) {
      const readiness = active.group.readiness(Date.now(), this.lag.lagOf)
      if (!readiness.ready) {
        if (readiness.waitingFor !== 'lag' || looked) break
        looked = true
        await this.lag.look(this.deps.admin(), this.waitedOn(), Date.now())
        continue
      }
      const next = active.group.next()
      if (next === undefined) break
      const { partition, entry } = next
      try {
        active.task.process(entry.metadata.topic, entry.record, entry.metadata)
      } catch (error) {
        await this.errors.route('processing', config.processingErrorHandler, error, entry.raw, active)
      }
      active.offsets.set(partition, entry.next)
      active.dirty = true
      processed++
    }
    if (processed === 0) return true
    metrics.recordsProcessed.inc(
      { ...appLabel(this.context), subtopology: String(active.task.subtopology.id) },
      processed,
    )
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    metrics.processLatency.observe(appLabel(this.context), seconds / processed)
    try {
      await this.sender.flush(active)
    } catch (error) {
      if (!isExactlyOnce(this.context) || !isTaskMigration(error)) throw error
      await this.dropMigrated(active, error, true)
      return false
    }
    return true
  }

  /**
   * Exactly-once, a task whose producer was fenced (or whose group moved on): its open transaction is
   * lost, so it is closed dirty. Outside a revocation (`reclaim`) it is created again at once from its
   * changelog and the committed offsets: if another member does own it now, the rebalance that gave it
   * away revokes it here next; if none does (its transaction timed out), its partitions are not left
   * unread. In a revocation its next owner restores it.
   */
  /** Every empty input partition of the thread's tasks: one look reads all their ends. */
  private waitedOn(): string[] {
    return this.tasks.all().flatMap((active) => (active.group.size > 0 ? active.group.emptyPartitions() : []))
  }

  private async dropMigrated(active: ActiveTask, error: unknown, reclaim: boolean): Promise<void> {
    this.context.logger.warn(
      { task: active.task.id, err: error, reclaim },
      'task migrated: its transaction is aborted and the task closed',
    )
    await this.tasks.close(active, false)
    if (reclaim) await this.assign(active.partitions)
  }

  /** Records between each input partition's position and its end, at most every five seconds. */
  private async updateLag(): Promise<void> {
    const admin = this.deps.admin()
    if (admin === undefined || Date.now() - this.lastLag < 5000) return
    this.lastLag = Date.now()
    const topics = new Set([...this.tasks.ownedPartitions()].map((k) => k.slice(0, k.lastIndexOf(':'))))
    for (const topic of topics) {
      // A metric is not worth the instance: a broker too busy to answer leaves the gauge as it was.
      const ends = await admin.endOffsets(topic).catch((error: unknown) => {
        this.context.logger.debug({ err: error, topic }, 'measuring consumer lag failed')
        return new Map<number, string>()
      })
      for (const [partition, end] of ends) {
        const position = this.tasks.taskOf(topic, partition)?.offsets.get(tpKey(topic, partition))
        if (position === undefined) continue
        this.context.metrics.consumerLag.set(
          { ...appLabel(this.context), topic, partition: String(partition) },
          Math.max(0, Number(end) - Number(position)),
        )
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.deps.fatal() !== undefined) return
    await this.updateLag()
    // Records held for a partition that had none: its lag may be known now, or its idle time over.
    for (const active of this.tasks.all()) {
      if (active.group.size > 0) await this.drain(active)
    }
    const now = Date.now()
    for (const active of this.tasks.all()) {
      if (active.task.punctuate('WALL_CLOCK_TIME', now)) {
        active.dirty = true
        await this.sender.flush(active)
      }
    }
    await this.maybeCommit()
  }

  private async maybeCommit(): Promise<void> {
    const tasks = this.tasks.all()
    if (this.committer.due(tasks)) await this.committer.commit(tasks, { reclaim: true })
  }

  /**
   * Stops the loop. Clean: commits, then leaves the group (whose revocation commits and closes every
   * task). Failed: closes every task without committing first, so the revocation cannot commit them.
   */
  async shutdown(clean: boolean): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    if (clean) {
      await this.serial(() => this.committer.commit(this.tasks.all())).catch((error: unknown) => {
        this.context.logger.error({ err: error }, 'final commit failed')
      })
    } else {
      await this.serial(() => this.tasks.closeAll(false))
    }
    await this.consumer
      ?.stop()
      .catch((error: unknown) => this.context.logger.warn({ err: error }, 'consumer stop failed'))
    await this.serial(() => this.tasks.closeAll(clean))
  }
}
