import {
  tpKey,
  type BackendReader,
  type BrokerRecord,
  type Following,
  type KafkaBackend,
  type Serde,
  type TopicPartition,
} from '@oxagry/kafka'
import { restoreChange } from '../state/changelog-codec.ts'
import { flushToDisk, storeSerdes, type ManagedStore } from '../state/factory.ts'
import type { Subtopology } from '../topology/topology.ts'
import { appLabel, isExactlyOnce, type RuntimeContext } from './context.ts'
import { changelogTopic } from './internal-topics.ts'
import type { SourceRoute } from './sources.ts'
import { standbyTasksFor } from './standby-placement.ts'
import type { StateManager } from './state-manager.ts'

/** A standby's stores handed to the task's new active instance, and where each changelog was read to. */
export interface WarmStores {
  readonly stores: Map<string, ManagedStore>
  /** Next changelog offset to read, by `tpKey(changelog, partition)`, for every logged store. */
  readonly offsets: ReadonlyMap<string, string>
}

/** How far a standby store has read its changelog. */
export interface StandbyProgress {
  readonly task: string
  readonly store: string
  /** The next changelog offset it will apply. */
  readonly offset: string
}

/** The other instances as the instance directory knows them; none without one. */
export interface MemberView {
  readonly self: string
  readonly members: readonly { readonly id: string; readonly partitions: readonly TopicPartition[] }[]
}

export interface StandbyDeps {
  readonly backend: KafkaBackend
  readonly routes: ReadonlyMap<string, SourceRoute>
  /** A topic's partition count as the instance learnt it at start (internal topics included). */
  readonly partitionsOf: (topic: string) => number | undefined
  readonly state: StateManager
  readonly members: () => MemberView
}

interface Changelog {
  readonly task: StandbyTask
  readonly name: string
  readonly store: ManagedStore
  readonly topic: string
  readonly key: Serde<unknown>
  readonly value: Serde<unknown>
}

interface StandbyTask {
  readonly id: string
  readonly partition: number
  readonly stores: Map<string, ManagedStore>
  readonly offsets: Map<string, string>
  /** A changelog record of it failed to apply: it stops here, and its next owner restores the rest. */
  failed: boolean
}

interface CatalogueEntry {
  readonly id: string
  readonly sub: Subtopology
  readonly partition: number
}

/**
 * The instance's standby tasks (Kafka Streams' StandbyTask, updated by its restore consumer): copies of
 * the stores of tasks other instances run, kept warm by following their changelogs (read_committed
 * under exactly-once) with one reader, checkpointed every commit interval. A task this instance is
 * given takes its standby's stores and offsets, so only the changelog's tail is restored.
 */
export class StandbyTasks {
  private readonly tasks = new Map<string, StandbyTask>()
  private catalogue: CatalogueEntry[] | undefined
  private reader: BackendReader | undefined
  /** Started without waiting (a kafkajs reader joins a group first): a rebalance does not wait on it. */
  private following: Promise<Following | undefined> | undefined
  private lastCheckpoint = Date.now()
  private lastRefresh = 0

  constructor(
    private readonly context: RuntimeContext,
    private readonly deps: StandbyDeps,
  ) {}

  get ids(): string[] {
    return [...this.tasks.keys()].sort()
  }

  /** The input partitions of the tasks this instance keeps standbys of, as the group assigns them. */
  inputPartitions(): TopicPartition[] {
    const partitions: TopicPartition[] = []
    for (const [topic, route] of this.deps.routes) {
      for (const task of this.tasks.values())
        if (task.id === `${route.sub.id}_${task.partition}`)
          partitions.push({ topic, partition: task.partition })
    }
    return partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  }

  progress(): StandbyProgress[] {
    return [...this.tasks.values()].flatMap((task) =>
      [...task.stores.keys()].flatMap((name) => {
        const offset = task.offsets.get(
          tpKey(changelogTopic(this.context.config.applicationId, name), task.partition),
        )
        return offset === undefined ? [] : [{ task: task.id, store: name, offset }]
      }),
    )
  }

  /**
   * Keeps the standbys placement gives this instance, given the tasks it runs: closes the others
   * (checkpointed), creates the new ones from their checkpoints, and follows every changelog again.
   */
  async update(active: ReadonlySet<string>): Promise<void> {
    this.lastRefresh = Date.now()
    if (this.context.config.numStandbyReplicas === 0) return
    try {
      await this.place(active)
    } catch (error) {
      // A standby is a spare: the active tasks go on, and the next heartbeat places the standbys again.
      this.context.logger.warn(
        { err: error },
        'standby tasks not updated; trying again at the next heartbeat',
      )
    }
  }

  private async place(active: ReadonlySet<string>): Promise<void> {
    const catalogue = this.catalogueOf()
    const view = this.deps.members()
    const wanted = standbyTasksFor({
      tasks: catalogue.map((c) => c.id),
      self: view.self,
      active,
      members: view.members.map((m) => ({ id: m.id, active: this.taskIdsOf(m.partitions) })),
      replicas: this.context.config.numStandbyReplicas,
    })
    const current = new Set(this.tasks.keys())
    const same = wanted.size === current.size && [...wanted].every((id) => current.has(id))
    if (same && this.following !== undefined) return
    await this.pause()
    for (const id of current) {
      const task = this.tasks.get(id)
      if (task !== undefined && !wanted.has(id)) this.close(task)
    }
    for (const entry of catalogue) {
      if (wanted.has(entry.id) && !this.tasks.has(entry.id)) this.tasks.set(entry.id, this.create(entry))
    }
    if (!same) this.context.logger.info({ standbys: this.ids }, 'standby tasks updated')
    await this.resume()
  }

  /** `update` again when the other instances may have moved since (their entries arrive after a rebalance). */
  async refresh(active: ReadonlySet<string>): Promise<void> {
    if (Date.now() - this.lastRefresh < this.context.config.instanceHeartbeatMs) return
    await this.update(active)
  }

  /**
   * Gives up the standby of a task this instance now runs: its stores and how far their changelogs
   * were read. The other standbys wait until the next `update` follows them again.
   */
  async release(taskId: string): Promise<WarmStores | undefined> {
    const task = this.tasks.get(taskId)
    if (task === undefined) return undefined
    await this.pause()
    this.tasks.delete(taskId)
    for (const store of task.stores.values()) store.flush()
    this.context.logger.info({ task: taskId, offsets: Object.fromEntries(task.offsets) }, 'standby promoted')
    return { stores: task.stores, offsets: task.offsets }
  }

  async closeAll(): Promise<void> {
    await this.pause()
    for (const task of this.tasks.values()) this.close(task)
    await this.reader?.close().catch(() => {})
    this.reader = undefined
  }

  private taskIdsOf(partitions: readonly TopicPartition[]): Set<string> {
    const ids = new Set<string>()
    for (const p of partitions) {
      const route = this.deps.routes.get(p.topic)
      if (route !== undefined) ids.add(`${route.sub.id}_${p.partition}`)
    }
    return ids
  }

  /** Every task with a logged store: a sub-topology's input partitions, as the group assigns them. */
  private catalogueOf(): CatalogueEntry[] {
    if (this.catalogue !== undefined) return this.catalogue
    const { topology } = this.context
    const bySub = new Map<number, { sub: Subtopology; topics: string[] }>()
    for (const [topic, route] of this.deps.routes) {
      if (!route.sub.stores.some((name) => topology.store(name)?.logging === true)) continue
      const entry = bySub.get(route.sub.id) ?? { sub: route.sub, topics: [] }
      entry.topics.push(topic)
      bySub.set(route.sub.id, entry)
    }
    const catalogue: CatalogueEntry[] = []
    let complete = true
    for (const { sub, topics } of bySub.values()) {
      const counts = topics.map((t) => this.deps.partitionsOf(t))
      if (counts.includes(undefined)) complete = false
      const partitions = Math.max(0, ...counts.map((n) => n ?? 0))
      for (let partition = 0; partition < partitions; partition++)
        catalogue.push({ id: `${sub.id}_${partition}`, sub, partition })
    }
    if (complete) this.catalogue = catalogue
    return catalogue
  }

  /** A standby from the task's checkpoint where a persistent store has one, else from the start. */
  private create(entry: CatalogueEntry): StandbyTask {
    const { config, topology } = this.context
    const stores = this.deps.state.createStores(entry.id, entry.sub, entry.partition)
    const saved = this.deps.state.checkpointOf(entry.id).read()
    const offsets = new Map<string, string>()
    for (const [name, store] of stores) {
      if (topology.store(name)?.logging !== true) continue
      const key = tpKey(changelogTopic(config.applicationId, name), entry.partition)
      const checkpointed = store.persistent ? saved.get(key) : undefined
      if (store.persistent && checkpointed === undefined) store.wipe?.()
      offsets.set(key, checkpointed ?? '0')
    }
    return { id: entry.id, partition: entry.partition, stores, offsets, failed: false }
  }

  private close(task: StandbyTask): void {
    this.tasks.delete(task.id)
    this.checkpoint(task)
    for (const store of task.stores.values()) store.close()
  }

  /** Flushes a standby's persistent stores, then records how far they hold their changelogs. */
  private checkpoint(task: StandbyTask): void {
    const persistent = [...task.stores].filter(([, store]) => store.persistent)
    if (persistent.length === 0) return
    const offsets = new Map<string, string>()
    for (const [name, store] of persistent) {
      flushToDisk(store)
      const key = tpKey(changelogTopic(this.context.config.applicationId, name), task.partition)
      const offset = task.offsets.get(key)
      if (offset !== undefined) offsets.set(key, offset)
    }
    this.deps.state.checkpointOf(task.id).write(offsets)
  }

  /** Stops following; what was read is flushed and checkpointed. */
  private async pause(): Promise<void> {
    const following = await this.following
    this.following = undefined
    await following?.stop().catch((error: unknown) => {
      this.context.logger.warn({ err: error }, 'standby changelog reader stopped with an error')
    })
    for (const task of this.tasks.values()) this.checkpoint(task)
    this.lastCheckpoint = Date.now()
  }

  private async resume(): Promise<void> {
    const { config, topology, defaults } = this.context
    const routes = new Map<string, Changelog>()
    const partitions: { topic: string; partition: number; offset: string }[] = []
    for (const task of this.tasks.values()) {
      for (const [name, store] of task.stores) {
        const spec = topology.store(name)
        if (spec === undefined || !spec.logging) continue
        const topic = changelogTopic(config.applicationId, name)
        const key = tpKey(topic, task.partition)
        const serdes = storeSerdes(spec, defaults)
        routes.set(key, { task, name, store, topic, key: serdes.key, value: serdes.value })
        partitions.push({ topic, partition: task.partition, offset: task.offsets.get(key) ?? '0' })
      }
    }
    if (partitions.length === 0) return
    this.reader ??= this.deps.backend.reader({
      clientId: `${config.applicationId}-standby`,
      readCommitted: isExactlyOnce(this.context),
    })
    const started: Promise<Following | undefined> = this.reader
      .follow(partitions, (records) => this.apply(routes, records))
      .catch((error: unknown) => {
        // The standbys stay where they are; the next update (a rebalance, or a heartbeat later) tries again.
        this.context.logger.warn({ err: error }, 'standby changelog reader did not start')
        if (this.following === started) this.following = undefined
        return undefined
      })
    this.following = started
  }

  private async apply(
    routes: ReadonlyMap<string, Changelog>,
    records: readonly BrokerRecord[],
  ): Promise<void> {
    const touched = new Set<StandbyTask>()
    const applied = new Map<string, number>()
    for (const r of records) {
      const key = tpKey(r.topic, r.partition)
      const route = routes.get(key)
      if (route === undefined || route.task.failed || !this.tasks.has(route.task.id)) continue
      // A client may hand over records fetched before its seek took effect (kafkajs): a record below
      // the position was applied already, and applying it again would put an older value back.
      if (Number(r.offset) < Number(route.task.offsets.get(key) ?? '0')) continue
      try {
        await restoreChange(
          route.store,
          route.topic,
          { key: r.key ?? Buffer.alloc(0), value: r.value },
          route.key,
          route.value,
        )
      } catch (error) {
        route.task.failed = true
        this.context.logger.error(
          { err: error, task: route.task.id, store: route.name, offset: r.offset },
          'standby stopped on a changelog record it cannot apply; its next owner restores from here',
        )
        continue
      }
      route.task.offsets.set(key, String(Number(r.offset) + 1))
      touched.add(route.task)
      applied.set(route.name, (applied.get(route.name) ?? 0) + 1)
    }
    for (const [store, count] of applied)
      this.context.metrics.standbyUpdated.inc({ ...appLabel(this.context), store }, count)
    for (const task of touched) for (const store of task.stores.values()) store.flush()
    if (Date.now() - this.lastCheckpoint >= this.context.config.commitIntervalMs) {
      for (const task of this.tasks.values()) this.checkpoint(task)
      this.lastCheckpoint = Date.now()
    }
  }
}
