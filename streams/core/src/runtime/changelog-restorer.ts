import { tpKey, type BackendAdmin, type KafkaBackend } from '@oxagry/kafka'
import { restoreChange } from '../state/changelog-codec.ts'
import { storeSerdes, type ManagedStore } from '../state/factory.ts'
import { appLabel, isExactlyOnce, type RuntimeContext } from './context.ts'
import { changelogTopic } from './internal-topics.ts'
import type { StateManager } from './state-manager.ts'

export interface RestoreProgress {
  readonly task: string
  readonly store: string
  readonly restored: number
  readonly total: number
}

/**
 * Brings a task's stores up to the end of their changelogs before the task processes anything (Kafka
 * Streams' StoreChangelogReader): from the checkpoint of a clean close when a persistent store has one,
 * otherwise from the start, wiping what a crash may have left.
 */
export class ChangelogRestorer {
  private readonly progress = new Map<string, RestoreProgress>()
  /** Stores being restored now: the instance is not ready while any is. */
  restoring = 0

  constructor(
    private readonly context: RuntimeContext,
    private readonly backend: KafkaBackend,
    private readonly state: StateManager,
  ) {}

  /** Progress of every store being or having been restored on this instance. */
  all(): RestoreProgress[] {
    return [...this.progress.values()]
  }

  async restore(
    admin: BackendAdmin,
    taskId: string,
    partition: number,
    stores: ReadonlyMap<string, ManagedStore>,
    /** Where a standby's stores, handed over, read their changelogs to: the restore reads on from there. */
    warm?: ReadonlyMap<string, string>,
  ): Promise<void> {
    const { config, topology, metrics, logger } = this.context
    const checkpoint = this.state.checkpointOf(taskId)
    const saved = checkpoint.read()
    checkpoint.remove()
    const reader = this.backend.reader({
      clientId: `${config.applicationId}-restore`,
      readCommitted: isExactlyOnce(this.context),
    })
    try {
      for (const [name, store] of stores) {
        const spec = topology.store(name)
        if (spec === undefined || !spec.logging) continue
        const topic = changelogTopic(config.applicationId, name)
        const end = Number((await admin.endOffsets(topic)).get(partition) ?? '0')
        let from = 0
        const checkpointed = saved.get(tpKey(topic, partition))
        const promoted = warm?.get(tpKey(topic, partition))
        if (promoted !== undefined) from = Number(promoted)
        else if (store.persistent && checkpointed !== undefined) from = Number(checkpointed)
        else if (store.persistent) store.wipe?.()
        const key = `${taskId}/${name}`
        this.progress.set(key, { task: taskId, store: name, restored: 0, total: Math.max(0, end - from) })
        // Every store of a task has its restore series from the task's creation, as Kafka Streams' do:
        // 0 remaining when there is nothing to restore, so a dashboard's panel is never an absent series.
        const labels = { ...appLabel(this.context), store: name, task: taskId }
        metrics.restoreRemaining.set(labels, Math.max(0, end - from))
        metrics.restored.inc({ ...appLabel(this.context), store: name }, 0)
        if (end <= from) continue
        this.restoring++
        const serdes = storeSerdes(spec, this.context.defaults)
        try {
          await reader.read(
            [{ topic, partition, offset: String(from) }],
            new Map([[tpKey(topic, partition), String(end)]]),
            async (records) => {
              for (const r of records)
                await restoreChange(
                  store,
                  topic,
                  { key: r.key ?? Buffer.alloc(0), value: r.value },
                  serdes.key,
                  serdes.value,
                )
              const restored = this.progress.get(key)
              if (restored !== undefined) {
                const next = { ...restored, restored: restored.restored + records.length }
                this.progress.set(key, next)
                metrics.restoreRemaining.set(labels, Math.max(0, next.total - next.restored))
              }
              metrics.restored.inc({ ...appLabel(this.context), store: name }, records.length)
            },
          )
          store.flush()
        } finally {
          this.restoring--
        }
        logger.info(
          { task: taskId, store: name, records: this.progress.get(key)?.restored },
          'store restored',
        )
      }
    } finally {
      await reader.close()
    }
  }
}
