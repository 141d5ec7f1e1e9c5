import { join } from 'node:path'
import { tpKey, type BackendAdmin, type ProducedRecord } from '@oxagry/kafka'
import { encodeChange } from '../state/changelog-codec.ts'
import { createStore, flushToDisk, storeSerdes, type ManagedStore } from '../state/factory.ts'
import type { Subtopology } from '../topology/topology.ts'
import { Checkpoint } from './checkpoint.ts'
import { stateDirOf, type RuntimeContext } from './context.ts'
import { changelogTopic } from './internal-topics.ts'
import { awaitable } from './record-collector.ts'
import type { StreamTask } from './task.ts'

/**
 * A task's stores (Kafka Streams' ProcessorStateManager): creates them, turns their changes into
 * changelog records at each commit, and checkpoints persistent stores on a clean close so the next
 * start restores only what came after.
 */
export class StateManager {
  constructor(private readonly context: RuntimeContext) {}

  /**
   * The task's stores. A logged persistent store its checkpoint does not name starts from empty files:
   * it is rebuilt from its changelog, and what a crash left of it is never opened (Kafka Streams wipes
   * such a store's directory too).
   */
  createStores(taskId: string, sub: Subtopology, partition: number): Map<string, ManagedStore> {
    const saved = this.checkpointOf(taskId).read()
    const stores = new Map<string, ManagedStore>()
    for (const name of sub.stores) {
      const spec = this.context.topology.store(name)
      if (spec === undefined) continue
      const topic = changelogTopic(this.context.config.applicationId, name)
      const fresh = spec.logging && !saved.has(tpKey(topic, partition))
      stores.set(
        name,
        createStore(spec, taskId, { ...this.context.defaults, stateDir: stateDirOf(this.context) }, fresh),
      )
    }
    return stores
  }

  checkpointOf(taskId: string): Checkpoint {
    return new Checkpoint(join(stateDirOf(this.context), taskId))
  }

  /** Writes the changelog end offsets of the task's persistent stores, after flushing them. */
  async checkpoint(
    task: StreamTask,
    stores: ReadonlyMap<string, ManagedStore>,
    admin: BackendAdmin,
  ): Promise<void> {
    if (![...stores.values()].some((s) => s.persistent)) return
    const offsets = new Map<string, string>()
    for (const [name, store] of stores) {
      if (!store.persistent) continue
      const topic = changelogTopic(this.context.config.applicationId, name)
      const end = (await admin.endOffsets(topic)).get(task.partition)
      if (end !== undefined) offsets.set(tpKey(topic, task.partition), end)
    }
    for (const store of stores.values()) flushToDisk(store)
    this.checkpointOf(task.id).write(offsets)
  }

  /** The stores' changes since the last commit, as records for their changelogs. */
  async changelogRecords(
    task: StreamTask,
    stores: ReadonlyMap<string, ManagedStore>,
  ): Promise<ProducedRecord[]> {
    const records: ProducedRecord[] = []
    for (const [name, store] of stores) {
      if (store.changes === undefined || store.changes.size === 0) continue
      const spec = this.context.topology.store(name)
      if (spec === undefined) continue
      const topic = changelogTopic(this.context.config.applicationId, name)
      const serdes = storeSerdes(spec, this.context.defaults)
      for (const entry of store.changes.drain()) {
        const encoded = encodeChange(entry, topic, serdes.key, serdes.value)
        const { key, value } = awaitable(encoded) ? await encoded : encoded
        records.push({
          topic,
          partition: task.partition,
          key,
          value,
          timestamp: Math.max(0, task.streamTime),
          headers: {},
        })
      }
    }
    return records
  }
}
