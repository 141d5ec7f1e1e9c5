import {
  tpKey,
  type BackendAdmin,
  type BackendConsumer,
  type BackendProducer,
  type KafkaBackend,
  type TopicPartition,
} from '@oxagry/kafka'
import type { ManagedStore } from '../state/factory.ts'
import type { StateStore } from '../state/store.ts'
import type { Subtopology } from '../topology/topology.ts'
import type { ChangelogRestorer } from './changelog-restorer.ts'
import { appLabel, isExactlyOnce, isExactlyOncePerThread, type RuntimeContext } from './context.ts'
import { TaskOutputs } from './record-collector.ts'
import type { SourceRoute } from './sources.ts'
import type { StandbyTasks } from './standby-tasks.ts'
import type { StateManager } from './state-manager.ts'
import { PartitionGroup } from './partition-group.ts'
import { StreamTask } from './task.ts'

/** A task this instance runs, with what the runtime keeps beside it. */
export interface ActiveTask {
  readonly task: StreamTask
  readonly partitions: TopicPartition[]
  /** Next offset to commit, per input partition. */
  readonly offsets: Map<string, string>
  readonly stores: Map<string, ManagedStore>
  readonly outputs: TaskOutputs
  /** Exactly-once per task: the task's own transactional producer (per thread, the thread's is used). */
  readonly producer?: BackendProducer
  /** Its input partitions' fetched records, processed in timestamp order. */
  readonly group: PartitionGroup
  dirty: boolean
}

export interface TaskManagerDeps {
  readonly backend: KafkaBackend
  readonly admin: () => BackendAdmin | undefined
  readonly routes: ReadonlyMap<string, SourceRoute>
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly state: StateManager
  readonly restorer: ChangelogRestorer
  /** This instance's standbys: a task it is given takes its standby's warm stores. */
  readonly standbys?: StandbyTasks
}

/**
 * Creates, assigns, revokes and closes the instance's tasks (Kafka Streams' TaskManager): a task per
 * sub-topology and input partition, restored before it processes, closed cleanly (checkpointed) or
 * dirty (its transaction aborted).
 */
export class TaskManager {
  private readonly tasks = new Map<string, ActiveTask>()
  private readonly byPartition = new Map<string, ActiveTask>()

  constructor(
    private readonly context: RuntimeContext,
    private readonly deps: TaskManagerDeps,
    /** Told where each owned partition will be read from next, once placed after a join. */
    private readonly onPlaced: (partition: string, offset: string) => void = () => {},
  ) {}

  all(): ActiveTask[] {
    return [...this.tasks.values()]
  }

  get ids(): string[] {
    return [...this.tasks.keys()].sort()
  }

  taskOf(topic: string, partition: number): ActiveTask | undefined {
    return this.byPartition.get(tpKey(topic, partition))
  }

  /** The input partitions of every task, as `topic:partition` keys. */
  ownedPartitions(): IterableIterator<string> {
    return this.byPartition.keys()
  }

  /** Creates the tasks of newly owned partitions (restoring their stores) and places every position. */
  async assign(partitions: readonly TopicPartition[], consumer: BackendConsumer | undefined): Promise<void> {
    const byTask = new Map<string, { sub: Subtopology; partition: number; tps: TopicPartition[] }>()
    for (const tp of partitions) {
      const route = this.deps.routes.get(tp.topic)
      if (route === undefined) continue
      const id = `${route.sub.id}_${tp.partition}`
      const task = byTask.get(id) ?? { sub: route.sub, partition: tp.partition, tps: [] }
      task.tps.push(tp)
      byTask.set(id, task)
    }
    for (const [id, { sub, partition, tps }] of byTask) {
      const existing = this.tasks.get(id)
      if (existing !== undefined) {
        for (const tp of tps) {
          if (!existing.partitions.some((p) => p.topic === tp.topic && p.partition === tp.partition))
            existing.partitions.push(tp)
          this.byPartition.set(tpKey(tp.topic, tp.partition), existing)
        }
        continue
      }
      const active = await this.createTask(id, sub, partition, tps)
      this.tasks.set(id, active)
      for (const tp of tps) this.byPartition.set(tpKey(tp.topic, tp.partition), active)
    }
    if (consumer !== undefined) await this.placePositions(consumer, partitions)
  }

  /**
   * Seeks each owned partition to where its task reads next: the task's own position when it has
   * processed records of it (they are in its state and its open transaction), otherwise the group's
   * committed offset, read now that the revocation's commit and (exactly-once) the fencing of the task's
   * previous transaction are done. A position the client resolved while the group was joining may be
   * older, and reading from it would process committed records twice.
   */
  private async placePositions(
    consumer: BackendConsumer,
    partitions: readonly TopicPartition[],
  ): Promise<void> {
    const unknown: TopicPartition[] = []
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      const position = this.byPartition.get(key)?.offsets.get(key)
      if (position === undefined) unknown.push(tp)
      else {
        consumer.seek({ topic: tp.topic, partition: tp.partition, offset: position })
        this.onPlaced(key, position)
      }
    }
    if (unknown.length === 0) return
    const committed = await consumer.committed(unknown)
    const latest = await this.latestOffsets(
      unknown.filter(
        (tp) =>
          !committed.has(tpKey(tp.topic, tp.partition)) ||
          committed.get(tpKey(tp.topic, tp.partition)) === undefined,
      ),
    )
    for (const tp of unknown) {
      // Never committed: where the source's reset policy says, the log's end for 'latest', else from
      // the start (the client moves an offset below the log's start up to it), and not from wherever
      // the client had read to.
      const key = tpKey(tp.topic, tp.partition)
      const offset = committed.get(key) ?? latest.get(key) ?? '0'
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset })
      this.onPlaced(tpKey(tp.topic, tp.partition), offset)
    }
  }

  /** The end offsets of the partitions whose source reads from the latest offset when never committed. */
  private async latestOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, string>> {
    const ends = new Map<string, string>()
    const topics = new Set(
      partitions
        .filter((tp) => this.deps.routes.get(tp.topic)?.node.offsetReset === 'latest')
        .map((tp) => tp.topic),
    )
    const admin = this.deps.admin()
    if (topics.size === 0 || admin === undefined) return ends
    for (const topic of topics) {
      for (const [partition, end] of await admin.endOffsets(topic)) ends.set(tpKey(topic, partition), end)
    }
    return ends
  }

  private async createTask(
    id: string,
    sub: Subtopology,
    partition: number,
    tps: TopicPartition[],
  ): Promise<ActiveTask> {
    const { config, metrics, logger } = this.context
    const warm = await this.deps.standbys?.release(id)
    const stores = warm?.stores ?? this.deps.state.createStores(id, sub, partition)
    // Exactly-once per task: the task's transactional id is claimed before its changelogs are read, which
    // fences a previous owner and settles its open transaction (a read_committed restore would otherwise
    // wait on it), and makes the offsets that transaction committed visible to the positions placed next:
    // a new owner of the task fences the old one (zombie fencing). Per thread, the group coordinator
    // fences a previous owner's offsets by generation, and a restore waits out its open transaction.
    const producer =
      isExactlyOnce(this.context) && !isExactlyOncePerThread(this.context)
        ? await this.deps.backend.producer({
            clientId: `${config.applicationId}-${id}-producer`,
            transactionalId: `${config.applicationId}-${id}`,
          })
        : undefined
    try {
      const admin = this.deps.admin()
      if (admin !== undefined) await this.deps.restorer.restore(admin, id, partition, stores, warm?.offsets)
    } catch (error) {
      await producer?.close().catch(() => {})
      throw error
    }
    const outputs = new TaskOutputs()
    const task = new StreamTask({
      applicationId: config.applicationId,
      topology: this.context.topology,
      subtopology: sub,
      partition,
      stores,
      globalStores: this.deps.globalStores,
      collector: outputs,
      clock: { now: () => Date.now() },
      onDropped: (event) => {
        metrics.droppedRecords.inc({ ...appLabel(this.context), node: event.node })
        logger.warn(
          { task: event.task, node: event.node, reason: event.reason, source: event.metadata },
          'record dropped',
        )
      },
      ...this.context.defaults,
    })
    return {
      task,
      partitions: [...tps],
      offsets: new Map(),
      stores,
      outputs,
      ...(producer === undefined ? {} : { producer }),
      group: new PartitionGroup(tps, this.context.config.maxTaskIdleMs),
      dirty: false,
    }
  }

  /** The tasks of the partitions taken away: committed with `commit` (unless `failed`) and closed. */
  async revoke(
    partitions: readonly TopicPartition[],
    commit: (tasks: readonly ActiveTask[]) => Promise<boolean>,
    failed: boolean,
  ): Promise<void> {
    const affected = new Set<ActiveTask>()
    for (const tp of partitions) {
      const active = this.byPartition.get(tpKey(tp.topic, tp.partition))
      if (active !== undefined) affected.add(active)
    }
    if (affected.size === 0) return
    const clean = !failed && (await commit([...affected]))
    for (const active of affected)
      if (this.tasks.get(active.task.id) === active) await this.close(active, clean)
    this.context.logger.info({ tasks: this.ids }, 'partitions revoked')
  }

  /** Closes a task: cleanly, checkpointing persistent stores; or dirty, aborting its open transaction. */
  async close(active: ActiveTask, clean: boolean): Promise<void> {
    this.tasks.delete(active.task.id)
    for (const tp of active.partitions) {
      if (this.byPartition.get(tpKey(tp.topic, tp.partition)) === active)
        this.byPartition.delete(tpKey(tp.topic, tp.partition))
    }
    const admin = this.deps.admin()
    if (clean && admin !== undefined) await this.deps.state.checkpoint(active.task, active.stores, admin)
    active.task.close()
    if (active.producer !== undefined) {
      if (!clean && active.producer.inTransaction) await active.producer.abortTransaction().catch(() => {})
      await active.producer.close().catch(() => {})
    }
  }

  async closeAll(clean: boolean): Promise<void> {
    for (const active of this.all()) await this.close(active, clean)
  }
}
