import type { BackendConsumer, PartitionOffset } from '@oxagry/kafka'
import { appLabel, groupIdOf, isExactlyOnce, type RuntimeContext } from './context.ts'
import { isTaskMigration } from './error-router.ts'
import type { RecordSender } from './record-collector.ts'
import type { StateManager } from './state-manager.ts'
import type { ActiveTask } from './task-manager.ts'

/** What the committer does with a task whose commit shows another member owns it now. */
export type OnMigrated = (active: ActiveTask, error: unknown, reclaim: boolean) => Promise<void>

export function offsetsOf(active: ActiveTask): PartitionOffset[] {
  return [...active.offsets.entries()].map(([key, offset]) => {
    const at = key.lastIndexOf(':')
    return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset }
  })
}

/**
 * Makes tasks' progress durable, by the protocol of the processing guarantee. At-least-once: outputs and
 * changelogs are acknowledged before offsets are committed. Exactly-once: outputs, changelogs and offsets
 * commit in one transaction per task.
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
   * task's transaction is aborted and the task closed, to be restored by whoever owns it next;
   * at-least-once, the offsets stay uncommitted and the next owner reprocesses from the last commit.
   * Returns whether everything committed. With `reclaim` (a periodic commit, not a revocation), such a
   * task is created again (see `OnMigrated`).
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
    const committed: ActiveTask[] = []
    for (const active of dirty) {
      try {
        await this.sender.flush(active)
        const changelog = await this.state.changelogRecords(active.task, active.stores)
        if (changelog.length > 0) await (await this.sender.producerFor(active)).send(changelog)
        if (exactlyOnce) {
          const producer = await this.sender.producerFor(active)
          await producer.sendOffsets(groupIdOf(this.context), offsetsOf(active))
          await producer.commitTransaction()
        }
      } catch (error) {
        if (!exactlyOnce || !isTaskMigration(error)) throw error
        await this.onMigrated(active, error, options.reclaim === true)
        continue
      }
      active.task.flushStores()
      committed.push(active)
    }
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
}
