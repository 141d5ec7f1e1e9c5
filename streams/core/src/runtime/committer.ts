import { fromTpKey, type BackendConsumer, type BackendProducer, type PartitionOffset } from '@oxagry/kafka'
import { appLabel, groupIdOf, isExactlyOnce, isExactlyOncePerThread, type RuntimeContext } from './context.ts'
import { isTaskMigration } from './error-router.ts'
import type { RecordSender } from './record-collector.ts'
import type { StateManager } from './state-manager.ts'
import type { ActiveTask } from './task-manager.ts'

/**
 * What the committer does with tasks whose commit shows the group has moved on: their transaction is
 * lost (one task's per task; every task in it per thread).
 */
export type OnMigrated = (tasks: readonly ActiveTask[], error: unknown, reclaim: boolean) => Promise<void>

export function offsetsOf(active: ActiveTask): PartitionOffset[] {
  return [...active.offsets.entries()].map(([key, offset]) => ({ ...fromTpKey(key), offset }))
}

/**
 * Makes tasks' progress durable, by the protocol of the processing guarantee. At-least-once: outputs and
 * changelogs are acknowledged before offsets are committed. Exactly-once: outputs, changelogs and offsets
 * commit in one transaction, the thread's for all its tasks or each task's own (`TransactionalIdScheme`).
 */
export class Committer {
  private lastCommit = Date.now()

  constructor(
    private readonly context: RuntimeContext,
    private readonly sender: RecordSender,
    private readonly state: StateManager,
    private readonly consumer: () => BackendConsumer | undefined,
    private readonly onMigrated: OnMigrated,
  ) {}

  /** Whether the commit interval has passed or a task asked for a commit. */
  due(tasks: readonly ActiveTask[]): boolean {
    return (
      tasks.some((active) => active.task.commitRequested) ||
      Date.now() - this.lastCommit >= this.context.config.commitIntervalMs
    )
  }

  /**
   * Commits the tasks. A commit the group refuses because it has moved on (a rebalance, or this member
   * timed out of it) is not fatal, as Kafka Streams treats its TaskMigratedException: exactly-once, the
   * transaction is aborted and its tasks closed, to be restored by whoever owns them next;
   * at-least-once, the offsets stay uncommitted and the next owner reprocesses from the last commit.
   * Returns whether everything committed. With `reclaim` (a periodic commit, not a revocation), such
   * tasks are created again (see `OnMigrated`). Per thread, `tasks` must be every task of the thread
   * with work in the open transaction: it commits all of them or none.
   */
  async commit(tasks: readonly ActiveTask[], options: { reclaim?: boolean } = {}): Promise<boolean> {
    this.lastCommit = Date.now()
    const started = process.hrtime.bigint()
    const exactlyOnce = isExactlyOnce(this.context)
    const dirty = tasks.filter(
      (active) =>
        active.dirty ||
        active.outputs.records.length > 0 ||
        [...active.stores.values()].some((s) => (s.changes?.size ?? 0) > 0),
    )
    if (dirty.length === 0) return true
    const reclaim = options.reclaim === true
    const committed = isExactlyOncePerThread(this.context)
      ? await this.commitTogether(dirty, reclaim)
      : await this.commitEach(dirty, reclaim)
    if (!exactlyOnce) {
      try {
        await this.consumer()?.commit(committed.flatMap(offsetsOf))
      } catch (error) {
        if (!isTaskMigration(error)) throw error
        this.context.logger.warn(
          { tasks: committed.map((active) => active.task.id), err: error },
          'offset commit refused by a rebalancing group: the next owner reprocesses from the last commit',
        )
        return false
      }
    }
    for (const active of committed) {
      active.dirty = false
      active.task.commitRequested = false
    }
    this.context.metrics.commitLatency.observe(
      appLabel(this.context),
      Number(process.hrtime.bigint() - started) / 1e9,
    )
    return committed.length === dirty.length
  }

  /** Sends each task's outputs and changelog records; returns the producer they went through. */
  private async send(active: ActiveTask): Promise<BackendProducer> {
    await this.sender.flush(active)
    const changelog = await this.state.changelogRecords(active.task, active.stores)
    if (changelog.length > 0) await this.sender.send(active, changelog)
    return this.sender.producerFor(active)
  }

  /**
   * At-least-once, or exactly-once per task: each task on its own, all at once (per task, each through
   * its own producer, so their round trips overlap). Returns the tasks committed.
   */
  private async commitEach(dirty: readonly ActiveTask[], reclaim: boolean): Promise<ActiveTask[]> {
    const exactlyOnce = isExactlyOnce(this.context)
    const outcomes = await Promise.allSettled(
      dirty.map(async (active) => {
        const producer = await this.send(active)
        await this.sender.delivered(active)
        if (exactlyOnce) {
          await producer.sendOffsets(groupIdOf(this.context), offsetsOf(active))
          await producer.commitTransaction()
        }
      }),
    )
    const committed: ActiveTask[] = []
    for (const [i, outcome] of outcomes.entries()) {
      const active = dirty[i] as ActiveTask
      if (outcome.status === 'fulfilled') {
        active.task.flushStores()
        committed.push(active)
      } else if (!exactlyOnce || !isTaskMigration(outcome.reason)) throw outcome.reason
    }
    for (const [i, outcome] of outcomes.entries())
      if (outcome.status === 'rejected')
        await this.onMigrated([dirty[i] as ActiveTask], outcome.reason, reclaim)
    return committed
  }

  /** Exactly-once per thread: every task's records and offsets in the thread's one transaction. */
  private async commitTogether(dirty: readonly ActiveTask[], reclaim: boolean): Promise<ActiveTask[]> {
    try {
      let producer: BackendProducer | undefined
      for (const active of dirty) producer = await this.send(active)
      // The offsets join the transaction while its records are acknowledged: two round trips at once
      // instead of one after the other. Nothing commits unless both succeed.
      await Promise.all([
        dirty[0] === undefined ? undefined : this.sender.delivered(dirty[0]),
        producer?.sendOffsets(groupIdOf(this.context), dirty.flatMap(offsetsOf)),
      ])
      await producer?.commitTransaction()
    } catch (error) {
      if (!isTaskMigration(error)) throw error
      await this.onMigrated(dirty, error, reclaim)
      return []
    }
    for (const active of dirty) active.task.flushStores()
    return [...dirty]
  }
}
