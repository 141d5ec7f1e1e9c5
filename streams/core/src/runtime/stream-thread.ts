import type {
  BackendAdmin,
  BackendConsumer,
  BackendProducer,
  Batch,
  KafkaBackend,
  TopicPartition,
} from '@oxagry/kafka'
import { claimProcessId, fromTpKey, HeartbeatPacer, tpKey } from '@oxagry/kafka'
import type { StreamsError } from '../errors.ts'
import type { StreamRecord } from '../record.ts'
import type { StateStore } from '../state/store.ts'
import type { ChangelogRestorer } from './changelog-restorer.ts'
import { Committer } from './committer.ts'
import {
  appLabel,
  clientIdOf,
  groupIdOf,
  isExactlyOnce,
  isExactlyOncePerThread,
  stateDirOf,
  type RuntimeContext,
} from './context.ts'
import { ErrorRouter, isTaskMigration } from './error-router.ts'
import { FetchLag } from './fetch-lag.ts'
import type { InternalTopics } from './internal-topics.ts'
import { awaitable, RecordSender } from './record-collector.ts'
import type { SourceRoute } from './sources.ts'
import type { StandbyTasks } from './standby-tasks.ts'
import type { StateManager } from './state-manager.ts'
import { StreamsState } from './streams-state.ts'
import { TaskManager, type ActiveTask } from './task-manager.ts'
import { isTransient, TaskTimeout } from './task-timeout.ts'

export interface StreamThreadDeps {
  readonly backend: KafkaBackend
  readonly admin: () => BackendAdmin | undefined
  readonly topics: InternalTopics
  readonly routes: ReadonlyMap<string, SourceRoute>
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly state: StateManager
  readonly restorer: ChangelogRestorer
  /** With `numStandbyReplicas`: the standbys, placed again after each assignment and now and then. */
  readonly standbys?: StandbyTasks
  readonly setState: (next: StreamsState) => void
  /** Stops the instance with this error. */
  readonly fail: (error: unknown) => void
  /** What stopped the instance, once it failed: a failed thread neither processes nor commits. */
  readonly fatal: () => StreamsError | undefined
}

function nextOffset(offset: string): string {
  return String(Number(offset) + 1)
}

/** How often a client that reports its fetched ends has the broker asked about the partitions it did not. */
const FETCHED_ENDS_LOOK_MS = 2_000

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
  /** At-least-once, or exactly-once per thread (transactional): the producer every task sends through. */
  private producer: BackendProducer | undefined
  private processId: string | undefined
  private timer: NodeJS.Timeout | undefined
  private work: Promise<void> = Promise.resolve()
  private lastLag = 0
  private measuringLag = false
  private readonly lag: FetchLag
  private readonly timeouts: TaskTimeout
  /** The partitions the group gives this member, as its consumer last said: what a revival creates tasks for. */
  private readonly owned = new Map<string, TopicPartition>()
  /** Bumped when the consumer is replaced: what the replaced one still calls does nothing. */
  private generation = 0
  /** Partitions were revoked and the join that ends the rebalance has not assigned any yet. */
  private awaitingAssignment = false
  /** The consumer gave up on a transient error: the revival replaces it. */
  private consumerLost = false
  /** The pending revival of the tasks after a transient failure. */
  private revival: NodeJS.Timeout | undefined
  private stopping = false
  /** When the running unit of work started; undefined between units. */
  private busySince: number | undefined
  /**
   * Heartbeats through the latest batch's client while records are processed with no await between
   * them: a kafkajs member is asked for heartbeats only between batches and by a timer, which cannot
   * fire meanwhile, so a long batch would lose the member its session (and its tasks).
   */
  private readonly beats: HeartbeatPacer

  constructor(
    private readonly context: RuntimeContext,
    private readonly deps: StreamThreadDeps,
  ) {
    this.lag = new FetchLag(context.config.pollIntervalMs, { readCommitted: isExactlyOnce(context) })
    this.tasks = new TaskManager(context, deps, (partition, offset) => this.lag.placed(partition, offset))
    this.sender = new RecordSender(context, deps.topics, () => this.producer)
    this.committer = new Committer(
      context,
      this.sender,
      deps.state,
      () => this.consumer,
      (tasks, error, reclaim) => this.dropMigrated(tasks, error, reclaim),
    )
    this.errors = new ErrorRouter(context)
    this.timeouts = new TaskTimeout(context.config)
    this.beats = new HeartbeatPacer((error) => context.logger.debug({ err: error }, 'heartbeat failed'))
  }

  /** Serializes a unit of work with every other: batches, commits, rebalances and punctuations. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.work.then(async () => {
      this.busySince = Date.now()
      try {
        return await work()
      } finally {
        this.busySince = undefined
      }
    })
    this.work = run.then(
      () => {},
      () => {},
    )
    return run
  }

  /**
   * How long the running unit of work has been waiting when that is past `stalledAfterMs`, else
   * undefined: a send, commit or rebalance step held up by a broker that does not answer (the client
   * retrying it), which no error shows until the client gives up.
   */
  stalledFor(now: number = Date.now()): number | undefined {
    // An idle member makes no call the broker could hold up: its fetches going unanswered say it.
    const waited = Math.max(
      this.busySince === undefined ? 0 : now - this.busySince,
      this.consumer?.unansweredFetchMs?.(now) ?? 0,
    )
    return waited > this.context.config.stalledAfterMs ? waited : undefined
  }

  async start(): Promise<void> {
    this.producer = await this.createProducer()
    await this.runConsumer()
    this.timer = setInterval(() => {
      void this.serial(() => this.riding(() => this.tick())).catch((error: unknown) => this.deps.fail(error))
    }, this.context.config.pollIntervalMs)
  }

  /** Joins the group with a new consumer; a consumer replaced since is ignored from then on. */
  private async runConsumer(): Promise<void> {
    const generation = ++this.generation
    const consumer = this.deps.backend.consumer({
      groupId: groupIdOf(this.context),
      clientId: clientIdOf(this.context, 'consumer'),
      readCommitted: isExactlyOnce(this.context),
    })
    this.consumer = consumer
    this.beats.forget()
    const current = (): boolean => generation === this.generation
    const guarded = (work: () => Promise<void>): Promise<void> =>
      this.serial(() => (current() ? this.riding(work) : Promise.resolve())).catch((error: unknown) => {
        this.deps.fail(error)
        throw error
      })
    await consumer.run([...this.deps.routes.keys()], {
      onRevoked: (partitions) =>
        guarded(() => {
          for (const tp of partitions) this.owned.delete(tpKey(tp.topic, tp.partition))
          this.awaitingAssignment = true
          return this.revoke(partitions)
        }),
      onAssigned: (partitions, assignment) =>
        guarded(() => {
          this.awaitingAssignment = false
          if (assignment !== undefined) this.owned.clear()
          for (const tp of assignment ?? partitions) this.owned.set(tpKey(tp.topic, tp.partition), tp)
          return this.assign(assignment ?? partitions)
        }),
      eachBatch: (batch) => {
        if (current()) this.beats.follow(batch)
        return guarded(() => this.processBatch(batch))
      },
      onFailed: (error) => {
        if (current()) this.consumerFailed(error)
      },
    })
  }

  /**
   * Runs a unit of work, riding out a broker that is away: a transient error (see `isTransient`)
   * corrupts the tasks rather than stopping the instance; any other error is thrown.
   */
  private async riding(work: () => Promise<void>): Promise<void> {
    try {
      await work()
    } catch (error) {
      await this.corrupted(error)
    }
  }

  /**
   * Kafka Streams' handling of a TaskCorruptedException (a commit or send that timed out) for every
   * task of the thread: the open transactions are aborted and the tasks closed dirty, then created
   * again after a backoff from the committed offsets and their changelogs (their stores wiped, as
   * nothing was checkpointed), so nothing uncommitted is kept and nothing committed is redone. The
   * instance says REBALANCING (not ready) meanwhile. Past `taskTimeoutMs` without progress, or on an
   * error that is not transient, it throws and the instance fails.
   */
  private async corrupted(error: unknown): Promise<void> {
    if (!isTransient(error) || this.stopping || this.deps.fatal() !== undefined) throw error
    const delay = this.timeouts.failed(error)
    this.deps.setState(StreamsState.REBALANCING)
    this.context.logger.warn(
      { err: error, tasks: this.tasks.ids, retryInMs: delay },
      'broker away: tasks closed dirty (their transactions aborted), created again from the last commit',
    )
    if (isExactlyOncePerThread(this.context)) {
      // The thread's transaction holds every task's work: its producer is replaced, as after a fence.
      await this.producer?.close().catch(() => {})
      this.producer = undefined
    }
    await this.tasks.closeAll(false)
    if (this.revival !== undefined) clearTimeout(this.revival)
    this.revival = setTimeout(() => {
      this.revival = undefined
      void this.revive().catch((failure: unknown) => this.deps.fail(failure))
    }, delay)
  }

  /** The consumer stopped for good: fatal, unless the broker was only away (then it is replaced). */
  private consumerFailed(error: unknown): void {
    if (!isTransient(error)) return this.deps.fail(error)
    this.consumerLost = true
    void this.serial(() => this.corrupted(error)).catch((failure: unknown) => this.deps.fail(failure))
  }

  /**
   * Creates the tasks again after a transient failure: through a new consumer when the old one gave
   * up (its join assigns them), else for the partitions the group gave this member.
   */
  private async revive(): Promise<void> {
    if (this.stopping || this.deps.fatal() !== undefined) return
    if (!this.consumerLost) {
      await this.serial(() =>
        this.riding(async () => {
          this.producer ??= await this.createProducer()
          // Everything revoked and the join not done: its assignment creates the tasks, and RUNNING
          // before it would be a lie. A partial (cooperative) revocation leaves tasks to revive.
          if (!this.awaitingAssignment || this.owned.size > 0) await this.assign([...this.owned.values()])
        }),
      )
      return
    }
    // Outside the serial queue: stopping the old consumer waits for what it delivered, queued there.
    const old = this.consumer
    this.generation++
    this.owned.clear()
    this.awaitingAssignment = false
    await old
      ?.stop()
      .catch((error: unknown) => this.context.logger.debug({ err: error }, 'consumer stop failed'))
    try {
      this.producer ??= await this.createProducer()
      await this.runConsumer()
      this.consumerLost = false
    } catch (error) {
      await this.serial(() => this.corrupted(error))
    }
  }

  /**
   * The thread's producer: plain at-least-once; exactly-once per thread, transactional with the id
   * `<applicationId>-<processId>-<n>` (n the thread's number, 1 for the only one), claimed before the
   * group is joined so that what a previous run of this thread left open is aborted before any restore
   * reads past it; none per task.
   */
  private async createProducer(): Promise<BackendProducer | undefined> {
    const { config, logger, thread } = this.context
    if (!isExactlyOnce(this.context))
      return this.deps.backend.producer({ clientId: clientIdOf(this.context, 'producer') })
    if (!isExactlyOncePerThread(this.context)) return undefined
    this.processId ??= thread?.processId ?? claimProcessId(stateDirOf(this.context), logger)
    const transactionalId = `${config.applicationId}-${this.processId}-${thread?.index ?? 1}`
    return this.deps.backend.producer({ clientId: `${transactionalId}-producer`, transactionalId })
  }

  private async assign(partitions: readonly TopicPartition[]): Promise<void> {
    this.context.metrics.rebalances.inc(appLabel(this.context))
    this.deps.setState(StreamsState.REBALANCING)
    await this.tasks.assign(partitions, this.consumer)
    this.context.logger.info({ tasks: this.tasks.ids }, 'partitions assigned')
    this.deps.setState(StreamsState.RUNNING)
    await this.deps.standbys?.update(new Set(this.tasks.ids))
  }

  private async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    this.deps.setState(StreamsState.REBALANCING)
    // Per thread, the open transaction holds every task's work: all of it commits, or none.
    const perThread = isExactlyOncePerThread(this.context)
    await this.tasks.revoke(
      partitions,
      (tasks) => this.committer.commit(perThread ? this.tasks.all() : tasks),
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
      if (this.beats.due()) await this.beats.beat()
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
      if (this.beats.due()) await this.beats.beat()
      const readiness = active.group.readiness(Date.now(), this.lag.lagOf)
      if (!readiness.ready) {
        if (readiness.waitingFor !== 'lag' || looked) break
        looked = true
        const waitedOn = this.waitedOn()
        // A client that knows its positions (past markers it skipped with no batch) says so first.
        const positions = this.consumer?.fetchPositions?.(waitedOn.map(fromTpKey))
        for (const [key, offset] of positions ?? []) this.lag.fetchedUpTo(key, offset)
        // A client that knows where its fetches ended says so. Its other partitions have records on
        // the way, as Kafka's consumer would know from its fetch responses: the task waits for its
        // next fetch (the tick drains again) rather than ask the broker. Only a partition that stays
        // unknown is asked about, now and then, in case its client never reports its end.
        const now = Date.now()
        const known = this.consumer?.fetchedEnds?.(waitedOn.map(fromTpKey))
        for (const [key, end] of known ?? []) this.lag.reached(key, end, now)
        const unknown = known === undefined ? waitedOn : waitedOn.filter((key) => !known.has(key))
        const interval = known === undefined ? undefined : FETCHED_ENDS_LOOK_MS
        await this.lag.look(this.deps.admin(), unknown, now, interval)
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
    return this.flush(active)
  }

  /**
   * Sends what the task produced (and throws what an earlier send of its producer failed with). Returns
   * false when that showed the task migrated: exactly-once, its transaction's tasks are dropped.
   */
  private async flush(active: ActiveTask): Promise<boolean> {
    try {
      await this.sender.flush(active)
    } catch (error) {
      if (!isExactlyOnce(this.context) || !isTaskMigration(error)) throw error
      await this.dropMigrated(this.inTransaction(active), error, true)
      return false
    }
    return true
  }

  /** The tasks whose work is in the transaction `active` sends in: its own, or per thread every dirty one. */
  private inTransaction(active: ActiveTask): ActiveTask[] {
    if (!isExactlyOncePerThread(this.context)) return [active]
    const dirty = this.tasks.all().filter((t) => t.dirty)
    return dirty.includes(active) ? dirty : [...dirty, active]
  }

  /** Every empty input partition of the thread's tasks: one look reads all their ends. */
  private waitedOn(): string[] {
    return this.tasks.all().flatMap((active) => (active.group.size > 0 ? active.group.emptyPartitions() : []))
  }

  /**
   * Exactly-once, tasks whose transaction was fenced (or whose group moved on): the transaction is lost
   * (aborted), so they are closed dirty. Outside a revocation (`reclaim`) they are created again at once
   * from their changelogs and the committed offsets: if another member does own one now, the rebalance
   * that gave it away revokes it here next; if none does (the transaction timed out), its partitions are
   * not left unread. In a revocation their next owner restores them; per thread, the tasks this member
   * keeps are created again by the assignment that ends the rebalance.
   */
  private async dropMigrated(tasks: readonly ActiveTask[], error: unknown, reclaim: boolean): Promise<void> {
    this.context.logger.warn(
      { tasks: tasks.map((active) => active.task.id), err: error, reclaim },
      'tasks migrated: their transaction is aborted and the tasks closed',
    )
    if (isExactlyOncePerThread(this.context)) {
      // The thread's producer may be left in a state only an abort or a new epoch clears (a commit that
      // failed half-way, a fence): it is replaced, as Kafka Streams resets its producer, and claiming
      // the same transactional id again aborts whatever the old one had open.
      await this.producer?.close().catch(() => {})
      this.producer = undefined
      for (const active of tasks) await this.tasks.close(active, false)
      this.producer = await this.createProducer()
    } else for (const active of tasks) await this.tasks.close(active, false)
    if (reclaim) await this.assign(tasks.flatMap((active) => active.partitions))
  }

  /**
   * Records between each input partition's position and its end, at most every five seconds. Beside
   * the loop, not in it: a gauge is not worth holding records back for the broker's answers.
   */
  private updateLag(): void {
    const admin = this.deps.admin()
    if (admin === undefined || this.measuringLag || Date.now() - this.lastLag < 5000) return
    this.lastLag = Date.now()
    this.measuringLag = true
    void this.measureLag(admin)
      .catch((error: unknown) => this.context.logger.debug({ err: error }, 'measuring consumer lag failed'))
      .finally(() => {
        this.measuringLag = false
      })
  }

  private async measureLag(admin: BackendAdmin): Promise<void> {
    const topics = [...new Set([...this.tasks.ownedPartitions()].map((k) => k.slice(0, k.lastIndexOf(':'))))]
    // A metric is not worth the instance: a broker too busy to answer leaves the gauge as it was.
    const answers = await Promise.all(
      topics.map((topic) =>
        admin.endOffsets(topic).catch((error: unknown) => {
          this.context.logger.debug({ err: error, topic }, 'measuring consumer lag failed')
          return new Map<number, string>()
        }),
      ),
    )
    for (const [i, topic] of topics.entries()) {
      for (const [partition, end] of answers[i] ?? []) {
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
    this.updateLag()
    await this.deps.standbys?.refresh(new Set(this.tasks.ids))
    // Records held for a partition that had none: its lag may be known now, or its idle time over.
    for (const active of this.tasks.all()) {
      if (active.group.size > 0) await this.drain(active)
    }
    const now = Date.now()
    for (const active of this.tasks.all()) {
      if (this.beats.due()) await this.beats.beat()
      if (active.task.punctuate('WALL_CLOCK_TIME', now)) active.dirty = true
      // A send that failed since (a fence, say) is dealt with now, not at the next commit.
      if (active.dirty || this.sender.failed(active)) await this.flush(active)
    }
    await this.maybeCommit()
  }

  private async maybeCommit(): Promise<void> {
    const tasks = this.tasks.all()
    if (!this.committer.due(tasks)) return
    if (await this.committer.commit(tasks, { reclaim: true })) this.timeouts.progressed()
  }

  /**
   * Stops the loop. Clean: commits, then leaves the group (whose revocation commits and closes every
   * task). Failed: closes every task without committing first, so the revocation cannot commit them.
   */
  async shutdown(clean: boolean): Promise<void> {
    this.stopping = true
    if (this.timer !== undefined) clearInterval(this.timer)
    if (this.revival !== undefined) clearTimeout(this.revival)
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
    await this.serial(async () => this.deps.standbys?.closeAll())
    // What is still open was not committed: aborted rather than left for the broker to time out.
    if (this.producer?.inTransaction === true) await this.producer.abortTransaction().catch(() => {})
    await this.producer?.close().catch(() => {})
  }
}
