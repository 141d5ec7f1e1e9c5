import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import {
  KAFKA_ERROR_CODES,
  KafkaError,
  partitionForKey,
  tpKey,
  type BackendAdmin,
  type BackendConsumer,
  type BackendProducer,
  type Batch,
  type BrokerRecord,
  type Following,
  type MaybePromise,
  type ProducedRecord,
  type RecordHeaders,
  type Serde,
  type TopicPartition,
  type TopicSpec,
} from '@oxagry/kafka'
import { errorMessage, STREAMS_ERROR_CODES, StreamsError, type StreamsErrorCode } from '../errors.ts'
import type { StreamRecord } from '../record.ts'
import { encodeChange, restoreChange } from '../state/changelog-codec.ts'
import { createStore, storeSerdes, type ManagedStore } from '../state/factory.ts'
import type { StateStore } from '../state/store.ts'
import type { SourceNode } from '../topology/nodes.ts'
import type { DefaultSerdes, Subtopology, Topology } from '../topology/topology.ts'
import { Checkpoint } from './checkpoint.ts'
import type { OutgoingRecord, RecordCollector } from './collector.ts'
import { resolveConfig, type ErrorHandling, type ResolvedConfig, type StreamsConfig } from './config.ts'
import { GlobalStoreTask } from './global-task.ts'
import { StreamsMetrics } from './metrics.ts'
import { effectiveDefaults } from './serdes-resolution.ts'
import { resolveTopic, StreamTask } from './task.ts'

export const StreamsState = {
  CREATED: 'CREATED',
  REBALANCING: 'REBALANCING',
  RUNNING: 'RUNNING',
  PENDING_SHUTDOWN: 'PENDING_SHUTDOWN',
  NOT_RUNNING: 'NOT_RUNNING',
  ERROR: 'ERROR',
} as const
export type StreamsState = (typeof StreamsState)[keyof typeof StreamsState]

/** Headers a dead-lettered record carries beside its original headers. */
export const DEAD_LETTER_HEADERS = {
  stage: 'x-error-stage',
  code: 'x-error-code',
  message: 'x-error-message',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
  timestamp: 'x-source-timestamp',
  application: 'x-application-id',
} as const

export interface Health {
  /** The instance works (or is starting); false once it failed or stopped. */
  readonly live: boolean
  /** Every assigned task is restored and processing. */
  readonly ready: boolean
  readonly state: StreamsState
  /** Why the instance stopped, once it has failed: what an operator reads first. */
  readonly error?: { readonly code: string; readonly message: string }
}

export interface RestoreProgress {
  readonly task: string
  readonly store: string
  readonly restored: number
  readonly total: number
}

interface Source {
  readonly node: SourceNode
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
}

/** What a task's sinks produced since the last send, before serialization. */
class OutputBuffer implements RecordCollector {
  records: OutgoingRecord[] = []

  send(record: OutgoingRecord): void {
    this.records.push(record)
  }

  drain(): OutgoingRecord[] {
    const drained = this.records
    this.records = []
    return drained
  }
}

interface RunningTask {
  readonly task: StreamTask
  readonly partitions: TopicPartition[]
  /** Next offset to commit, per input partition. */
  readonly offsets: Map<string, string>
  readonly stores: Map<string, ManagedStore>
  readonly outputs: OutputBuffer
  /** Already-serialized records: dead letters. */
  raw: ProducedRecord[]
  /** Exactly-once: the task's own transactional producer. */
  producer?: BackendProducer
  dirty: boolean
}

type Stage = 'deserialization' | 'processing'

function awaitable<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise
}

function nextOffset(offset: string): string {
  return String(Number(offset) + 1)
}

/**
 * Runs a topology against Kafka, as Kafka Streams' KafkaStreams: one consumer group per application,
 * a task per sub-topology and input partition, state restored from changelogs before processing,
 * at-least-once or exactly-once commits, error handlers, metrics and a health state.
 */
export class KafkaStreams {
  readonly config: ResolvedConfig
  readonly logger: Logger
  readonly metrics: StreamsMetrics
  private currentState: StreamsState = StreamsState.CREATED
  private readonly listeners: ((next: StreamsState, previous: StreamsState) => void)[] = []
  private readonly defaults: DefaultSerdes
  private readonly subtopologies: Subtopology[]
  private readonly sourcesByTopic = new Map<string, { sub: Subtopology; source: Source }>()
  private readonly tasks = new Map<string, RunningTask>()
  private readonly tasksByPartition = new Map<string, RunningTask>()
  private readonly globalStores = new Map<string, StateStore>()
  private readonly globalTasks: GlobalStoreTask[] = []
  private readonly partitionCounts = new Map<string, number>()
  private readonly restoreProgress = new Map<string, RestoreProgress>()
  private admin: BackendAdmin | undefined
  private consumer: BackendConsumer | undefined
  private producer: BackendProducer | undefined
  private following: Following | undefined
  private timer: NodeJS.Timeout | undefined
  private lastCommit = Date.now()
  private restoring = 0
  private work: Promise<void> = Promise.resolve()
  private fatal: StreamsError | undefined

  constructor(
    private readonly topology: Topology,
    config: StreamsConfig,
  ) {
    this.config = resolveConfig(config, join(tmpdir(), 'oxagry-streams'))
    this.logger = (config.logger ?? pino({ name: 'streams' })).child({
      applicationId: this.config.applicationId,
    })
    this.defaults = effectiveDefaults(topology, this.config)
    topology.validateSerdes(this.defaults)
    this.subtopologies = topology.subtopologies()
    for (const sub of this.subtopologies) {
      for (const node of sub.nodes) {
        if (node.kind !== 'source') continue
        const keySerde = node.keySerde ?? this.defaults.defaultKeySerde
        const valueSerde = node.valueSerde ?? this.defaults.defaultValueSerde
        if (keySerde === undefined || valueSerde === undefined) continue
        for (const ref of node.topics) {
          this.sourcesByTopic.set(this.topic(ref), { sub, source: { node, keySerde, valueSerde } })
        }
      }
    }
    this.metrics = new StreamsMetrics(config.metricsRegistry, () =>
      [...this.tasks.values()].flatMap((rt) =>
        [...rt.stores.entries()].map(([store, s]) => ({
          store,
          task: rt.task.id,
          entries: s.approximateNumEntries(),
        })),
      ),
    )
    this.setState(StreamsState.CREATED)
  }

  get state(): StreamsState {
    return this.currentState
  }

  onStateChange(listener: (next: StreamsState, previous: StreamsState) => void): void {
    this.listeners.push(listener)
  }

  health(): Health {
    const live = this.currentState !== StreamsState.ERROR && this.currentState !== StreamsState.NOT_RUNNING
    return {
      live,
      ready: this.currentState === StreamsState.RUNNING && this.restoring === 0,
      state: this.currentState,
      ...(this.fatal === undefined ? {} : { error: { code: this.fatal.code, message: this.fatal.message } }),
    }
  }

  /** Restore progress of every store being or having been restored on this instance. */
  restoration(): RestoreProgress[] {
    return [...this.restoreProgress.values()]
  }

  /** The instances of a store on this instance, one per local task (or the global one). */
  localStores<S extends StateStore>(name: string): S[] {
    const global = this.globalStores.get(name)
    if (global !== undefined) return [global as S]
    return [...this.tasks.values()].flatMap((rt) => {
      const store = rt.stores.get(name)
      return store === undefined ? [] : [store as unknown as S]
    })
  }

  /** The tasks this instance runs now, by id. */
  get taskIds(): string[] {
    return [...this.tasks.keys()].sort()
  }

  private setState(next: StreamsState): void {
    const previous = this.currentState
    // ERROR is final: what follows a failure (revokes, shutdown) does not make the instance look healthy.
    if (previous === StreamsState.ERROR && next !== StreamsState.ERROR) return
    this.currentState = next
    for (const s of Object.values(StreamsState)) {
      this.metrics?.state.set({ application: this.config.applicationId, state: s }, s === next ? 1 : 0)
    }
    if (previous !== next) {
      this.logger.info({ from: previous, to: next }, 'state change')
      for (const l of this.listeners) l(next, previous)
    }
  }

  private topic(ref: { name: string; internal: boolean }): string {
    return resolveTopic(this.config.applicationId, ref)
  }

  private get groupId(): string {
    return this.config.applicationId
  }

  private get exactlyOnce(): boolean {
    return this.config.processingGuarantee === 'exactly_once'
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

  /** Creates internal topics, checks co-partitioning, loads global stores and joins the group. */
  async start(): Promise<void> {
    if (this.currentState !== StreamsState.CREATED) {
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `start() called in state ${this.currentState}`)
    }
    this.setState(StreamsState.REBALANCING)
    try {
      this.admin = await this.config.backend.admin()
      await this.prepareTopics(this.admin)
      if (!this.exactlyOnce)
        this.producer = await this.config.backend.producer({
          clientId: `${this.config.applicationId}-producer`,
        })
      await this.startGlobalStores(this.admin)
      const consumer = this.config.backend.consumer({
        groupId: this.groupId,
        clientId: `${this.config.applicationId}-consumer`,
        readCommitted: this.exactlyOnce,
      })
      this.consumer = consumer
      const guarded = <T>(work: () => Promise<T>): Promise<T> =>
        this.serial(work).catch((error: unknown) => {
          this.fail(error)
          throw error
        })
      await consumer.run([...this.sourcesByTopic.keys()], {
        onRevoked: (partitions) => guarded(() => this.revoke(partitions)),
        onAssigned: (partitions, assignment) => guarded(() => this.assign(assignment ?? partitions)),
        eachBatch: (batch) => guarded(() => this.processBatch(batch)),
        onFailed: (error) => this.fail(error),
      })
      this.timer = setInterval(() => {
        void this.serial(() => this.tick()).catch((error: unknown) => this.fail(error))
      }, this.config.pollIntervalMs)
    } catch (error) {
      this.fail(error)
      throw error
    }
  }

  private async prepareTopics(admin: BackendAdmin): Promise<void> {
    const userTopics = new Set<string>()
    for (const sub of this.subtopologies)
      for (const t of sub.sourceTopics) if (!t.internal) userTopics.add(t.name)
    for (const g of this.topology.globalStores) userTopics.add(g.topic)
    const counts = await admin.partitionCounts([...userTopics])
    const missing = [...userTopics].filter((t) => !counts.has(t))
    if (missing.length > 0) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.TOPOLOGY,
        `source topics do not exist: ${missing.join(', ')}`,
      )
    }
    for (const [t, n] of counts) this.partitionCounts.set(t, n)
    // Internal topics take the partition count of their sub-topology's inputs, which may themselves be
    // internal: settle them in passes, as Kafka Streams' InternalTopicManager does.
    const internal = this.topology.internalTopics
    const sizes = new Map<string, number>()
    for (const spec of internal) if (spec.partitions !== undefined) sizes.set(spec.name, spec.partitions)
    for (let pass = 0; pass < internal.length + 1; pass++) {
      for (const sub of this.subtopologies) {
        const inputs = sub.sourceTopics.map((t) => (t.internal ? sizes.get(t.name) : counts.get(t.name)))
        if (inputs.some((n) => n === undefined)) continue
        const n = Math.max(1, ...(inputs as number[]))
        for (const t of sub.sinkTopics) if (t.internal && !sizes.has(t.name)) sizes.set(t.name, n)
        for (const store of sub.stores) {
          const changelog = `${store}-changelog`
          if (internal.some((i) => i.name === changelog) && !sizes.has(changelog)) sizes.set(changelog, n)
        }
      }
    }
    const specs: TopicSpec[] = internal.map((spec) => ({
      name: this.topic({ name: spec.name, internal: true }),
      partitions: sizes.get(spec.name) ?? 1,
      config: spec.config,
    }))
    const dlq = [this.config.deserializationErrorHandler, this.config.processingErrorHandler]
      .filter((h): h is { deadLetterTopic: string } => typeof h === 'object')
      .map((h) => h.deadLetterTopic)
    const existingDlq = await admin.partitionCounts(dlq)
    for (const t of new Set(dlq)) {
      if (!existingDlq.has(t)) specs.push({ name: t, partitions: 1, config: {} })
    }
    await admin.createTopics(specs)
    const created = await admin.partitionCounts(specs.map((s) => s.name))
    for (const spec of specs) {
      const actual = created.get(spec.name)
      if (actual !== undefined) this.partitionCounts.set(spec.name, actual)
      if (
        actual !== undefined &&
        actual !== spec.partitions &&
        this.topology.internalTopics.some((i) => this.topic({ name: i.name, internal: true }) === spec.name)
      ) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.TOPOLOGY,
          `internal topic ${spec.name} has ${actual} partitions, the topology needs ${spec.partitions}; reset the application`,
        )
      }
    }
    for (const group of this.topology.copartitionGroups) {
      const topics = group.topics.map((t) => this.topic(t))
      const partitions = topics.map((t) => this.partitionCounts.get(t))
      if (new Set(partitions).size > 1) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.NOT_COPARTITIONED,
          `join ${group.node} needs co-partitioned inputs, but ${topics.map((t, i) => `${t} has ${partitions[i]}`).join(', ')} partitions; repartition one side first`,
          { context: { node: group.node } },
        )
      }
    }
  }

  private async startGlobalStores(admin: BackendAdmin): Promise<void> {
    if (this.topology.globalStores.length === 0) return
    const clock = { now: () => Date.now() }
    const routes = new Map<
      string,
      { task: GlobalStoreTask; keySerde: Serde<unknown>; valueSerde: Serde<unknown> }
    >()
    const partitions: { topic: string; partition: number; offset: string }[] = []
    const until = new Map<string, string>()
    for (const spec of this.topology.globalStores) {
      const store = createStore(spec.store, 'global', { ...this.defaults, stateDir: this.stateDir() })
      this.globalStores.set(spec.store.name, store)
      const task = new GlobalStoreTask(spec, store, this.config.applicationId, clock)
      this.globalTasks.push(task)
      routes.set(spec.topic, {
        task,
        keySerde: (spec.keySerde ?? this.defaults.defaultKeySerde) as Serde<unknown>,
        valueSerde: (spec.valueSerde ?? this.defaults.defaultValueSerde) as Serde<unknown>,
      })
      for (const [partition, end] of await admin.endOffsets(spec.topic)) {
        partitions.push({ topic: spec.topic, partition, offset: '0' })
        until.set(tpKey(spec.topic, partition), end)
      }
    }
    const apply = async (records: readonly BrokerRecord[]): Promise<void> => {
      for (const r of records) {
        const route = routes.get(r.topic)
        if (route === undefined) continue
        try {
          const key = r.key === null ? null : await route.keySerde.deserialize(r.topic, r.key, r.headers)
          const value =
            r.value === null ? null : await route.valueSerde.deserialize(r.topic, r.value, r.headers)
          route.task.process({ key, value, timestamp: r.timestamp, headers: r.headers }, r)
        } catch (error) {
          this.metrics.errors.inc({
            application: this.config.applicationId,
            stage: 'global',
            code: codeOf(error),
          })
          this.logger.error(
            { err: error, topic: r.topic, partition: r.partition, offset: r.offset },
            'global store record skipped',
          )
        }
      }
    }
    const reader = this.config.backend.reader({
      clientId: `${this.config.applicationId}-global`,
      readCommitted: this.exactlyOnce,
    })
    await reader.read(partitions, until, apply)
    const positions = partitions.map((p) => ({ ...p, offset: until.get(tpKey(p.topic, p.partition)) ?? '0' }))
    this.following = await reader.follow(positions, apply)
  }

  private stateDir(): string {
    return join(this.config.stateDir, this.config.applicationId)
  }

  private async assign(partitions: readonly TopicPartition[]): Promise<void> {
    this.metrics.rebalances.inc({ application: this.config.applicationId })
    this.setState(StreamsState.REBALANCING)
    const byTask = new Map<string, { sub: Subtopology; partition: number; tps: TopicPartition[] }>()
    for (const tp of partitions) {
      const entry = this.sourcesByTopic.get(tp.topic)
      if (entry === undefined) continue
      const id = `${entry.sub.id}_${tp.partition}`
      const task = byTask.get(id) ?? { sub: entry.sub, partition: tp.partition, tps: [] }
      task.tps.push(tp)
      byTask.set(id, task)
    }
    for (const [id, { sub, partition, tps }] of byTask) {
      const existing = this.tasks.get(id)
      if (existing !== undefined) {
        for (const tp of tps) {
          if (!existing.partitions.some((p) => p.topic === tp.topic && p.partition === tp.partition))
            existing.partitions.push(tp)
          this.tasksByPartition.set(tpKey(tp.topic, tp.partition), existing)
        }
        continue
      }
      const rt = await this.createTask(id, sub, partition, tps)
      this.tasks.set(id, rt)
      for (const tp of tps) this.tasksByPartition.set(tpKey(tp.topic, tp.partition), rt)
    }
    await this.placePositions(partitions)
    this.logger.info({ tasks: this.taskIds }, 'partitions assigned')
    this.setState(StreamsState.RUNNING)
  }

  /**
   * Seeks each owned partition to where its task reads next: the task's own position when it has
   * processed records of it (they are in its state and its open transaction), otherwise the group's
   * committed offset, read now that the revocation's commit and (exactly-once) the fencing of the task's
   * previous transaction are done. A position the client resolved while the group was joining may be
   * older, and reading from it would process committed records twice.
   */
  private async placePositions(partitions: readonly TopicPartition[]): Promise<void> {
    const consumer = this.consumer
    if (consumer === undefined) return
    const unknown: TopicPartition[] = []
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      const position = this.tasksByPartition.get(key)?.offsets.get(key)
      if (position === undefined) unknown.push(tp)
      else consumer.seek({ topic: tp.topic, partition: tp.partition, offset: position })
    }
    if (unknown.length === 0) return
    const committed = await consumer.committed(unknown)
    for (const tp of unknown) {
      // Never committed: from the start, as the group's reset policy says (the client moves an offset
      // below the log's start up to it), and not from wherever the client had read to.
      const offset = committed.get(tpKey(tp.topic, tp.partition)) ?? '0'
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset })
    }
  }

  private async createTask(
    id: string,
    sub: Subtopology,
    partition: number,
    tps: TopicPartition[],
  ): Promise<RunningTask> {
    const stores = new Map<string, ManagedStore>()
    for (const name of sub.stores) {
      const spec = this.topology.store(name)
      if (spec !== undefined)
        stores.set(name, createStore(spec, id, { ...this.defaults, stateDir: this.stateDir() }))
    }
    // Exactly-once: the task's transactional id is claimed before its changelogs are read, which fences a
    // previous owner and settles its open transaction (a read_committed restore would otherwise wait on
    // it), and makes the offsets that transaction committed visible to the positions placed next.
    const producer = this.exactlyOnce
      ? await this.config.backend.producer({
          clientId: `${this.config.applicationId}-${id}-producer`,
          transactionalId: `${this.config.applicationId}-${id}`,
        })
      : undefined
    try {
      await this.restore(id, partition, stores)
    } catch (error) {
      await producer?.close().catch(() => {})
      throw error
    }
    const outputs = new OutputBuffer()
    const task = new StreamTask({
      applicationId: this.config.applicationId,
      topology: this.topology,
      subtopology: sub,
      partition,
      stores,
      globalStores: this.globalStores,
      collector: outputs,
      clock: { now: () => Date.now() },
      onDropped: (event) => {
        this.metrics.droppedRecords.inc({ application: this.config.applicationId, node: event.node })
        this.logger.warn(
          { task: event.task, node: event.node, reason: event.reason, source: event.metadata },
          'record dropped',
        )
      },
      ...this.defaults,
    })
    const rt: RunningTask = {
      task,
      partitions: [...tps],
      offsets: new Map(),
      stores,
      outputs,
      raw: [],
      dirty: false,
    }
    // One transactional id per task: a new owner of the task fences the old one (zombie fencing).
    if (producer !== undefined) rt.producer = producer
    return rt
  }

  /** Brings the task's stores up to the end of their changelogs before the task processes anything. */
  private async restore(taskId: string, partition: number, stores: Map<string, ManagedStore>): Promise<void> {
    const admin = this.admin
    if (admin === undefined) return
    const checkpoint = new Checkpoint(join(this.stateDir(), taskId))
    const saved = checkpoint.read()
    checkpoint.remove()
    const reader = this.config.backend.reader({
      clientId: `${this.config.applicationId}-restore`,
      readCommitted: this.exactlyOnce,
    })
    try {
      for (const [name, store] of stores) {
        const spec = this.topology.store(name)
        if (spec === undefined || !spec.logging) continue
        const topic = `${this.config.applicationId}-${name}-changelog`
        const end = Number((await admin.endOffsets(topic)).get(partition) ?? '0')
        let from = 0
        const checkpointed = saved.get(tpKey(topic, partition))
        if (store.persistent && checkpointed !== undefined) from = Number(checkpointed)
        else if (store.persistent) store.wipe?.()
        const key = `${taskId}/${name}`
        const progress = { task: taskId, store: name, restored: 0, total: Math.max(0, end - from) }
        this.restoreProgress.set(key, progress)
        if (end <= from) continue
        this.restoring++
        const serdes = storeSerdes(spec, this.defaults)
        const labels = { application: this.config.applicationId, store: name, task: taskId }
        this.metrics.restoreRemaining.set(labels, end - from)
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
              const restored = this.restoreProgress.get(key)
              if (restored !== undefined) {
                const next = { ...restored, restored: restored.restored + records.length }
                this.restoreProgress.set(key, next)
                this.metrics.restoreRemaining.set(labels, Math.max(0, next.total - next.restored))
              }
              this.metrics.restored.inc(
                { application: this.config.applicationId, store: name },
                records.length,
              )
            },
          )
          store.flush()
        } finally {
          this.restoring--
        }
        this.logger.info(
          { task: taskId, store: name, records: this.restoreProgress.get(key)?.restored },
          'store restored',
        )
      }
    } finally {
      await reader.close()
    }
  }

  private async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    this.setState(StreamsState.REBALANCING)
    const affected = new Set<RunningTask>()
    for (const tp of partitions) {
      const rt = this.tasksByPartition.get(tpKey(tp.topic, tp.partition))
      if (rt !== undefined) affected.add(rt)
    }
    if (affected.size === 0) return
    const clean = this.fatal === undefined && (await this.commit([...affected]))
    for (const rt of affected) if (this.tasks.get(rt.task.id) === rt) await this.closeTask(rt, clean)
    this.logger.info({ tasks: this.taskIds }, 'partitions revoked')
  }

  private async closeTask(rt: RunningTask, clean: boolean): Promise<void> {
    this.tasks.delete(rt.task.id)
    for (const tp of rt.partitions) {
      if (this.tasksByPartition.get(tpKey(tp.topic, tp.partition)) === rt)
        this.tasksByPartition.delete(tpKey(tp.topic, tp.partition))
    }
    if (clean && this.admin !== undefined && [...rt.stores.values()].some((s) => s.persistent)) {
      const offsets = new Map<string, string>()
      for (const [name, store] of rt.stores) {
        if (!store.persistent) continue
        const topic = `${this.config.applicationId}-${name}-changelog`
        const end = (await this.admin.endOffsets(topic)).get(rt.task.partition)
        if (end !== undefined) offsets.set(tpKey(topic, rt.task.partition), end)
      }
      rt.task.flushStores()
      new Checkpoint(join(this.stateDir(), rt.task.id)).write(offsets)
    }
    rt.task.close()
    if (rt.producer !== undefined) {
      if (!clean && rt.producer.inTransaction) await rt.producer.abortTransaction().catch(() => {})
      await rt.producer.close().catch(() => {})
    }
  }

  private async processBatch(batch: Batch): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal
    const key = tpKey(batch.topic, batch.partition)
    const rt = this.tasksByPartition.get(key)
    const route = this.sourcesByTopic.get(batch.topic)
    if (rt === undefined || route === undefined) return
    const started = process.hrtime.bigint()
    const { keySerde, valueSerde, node } = route.source
    let processed = 0
    for (const record of batch.records) {
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
        await this.handleRecordError(
          'deserialization',
          this.config.deserializationErrorHandler,
          error,
          record,
          rt,
        )
        rt.offsets.set(key, done)
        rt.dirty = true
        continue
      }
      const metadata = { topic: record.topic, partition: record.partition, offset: record.offset }
      try {
        const timestamp =
          node.timestampExtractor === undefined
            ? record.timestamp
            : node.timestampExtractor(
                { ...metadata, timestamp: record.timestamp, headers: record.headers },
                k,
                v,
                rt.task.streamTime,
              )
        const input: StreamRecord<unknown, unknown> = { key: k, value: v, timestamp, headers: record.headers }
        rt.task.process(record.topic, input, metadata)
      } catch (error) {
        await this.handleRecordError('processing', this.config.processingErrorHandler, error, record, rt)
      }
      rt.offsets.set(key, done)
      rt.dirty = true
      processed++
    }
    this.metrics.recordsProcessed.inc(
      { application: this.config.applicationId, subtopology: String(rt.task.subtopology.id) },
      processed,
    )
    if (processed > 0) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      this.metrics.processLatency.observe({ application: this.config.applicationId }, seconds / processed)
    }
    try {
      await this.sendOutputs(rt)
    } catch (error) {
      if (!this.exactlyOnce || !isTaskMigration(error)) throw error
      await this.dropMigrated(rt, error, true)
      return
    }
    await this.maybeCommit()
  }

  /**
   * Exactly-once, a task whose producer was fenced (or whose group moved on): its open transaction is
   * lost, so it is closed dirty. Outside a revocation (`reclaim`) it is created again at once from its
   * changelog and the committed offsets: if another member does own it now, the rebalance that gave it
   * away revokes it here next; if none does (its transaction timed out), its partitions are not left
   * unread. In a revocation its next owner restores it.
   */
  private async dropMigrated(rt: RunningTask, error: unknown, reclaim: boolean): Promise<void> {
    this.logger.warn(
      { task: rt.task.id, err: error, reclaim },
      'task migrated: its transaction is aborted and the task closed',
    )
    await this.closeTask(rt, false)
    if (reclaim) await this.assign(rt.partitions)
  }

  private async handleRecordError(
    stage: Stage,
    handling: ErrorHandling,
    error: unknown,
    record: BrokerRecord,
    rt: RunningTask,
  ): Promise<void> {
    const code = codeOf(error)
    this.metrics.errors.inc({ application: this.config.applicationId, stage, code })
    const context = { topic: record.topic, partition: record.partition, offset: record.offset }
    // A retriable error (a registry or store that is down) is not the record's fault: skipping or
    // dead-lettering it would lose a good record. The instance stops without committing it instead,
    // and a restart tries again.
    const retriable = (error as { retriable?: unknown } | null)?.retriable === true
    if (handling === 'fail' || retriable) {
      throw new StreamsError(
        stage === 'deserialization' ? STREAMS_ERROR_CODES.DESERIALIZATION : STREAMS_ERROR_CODES.PROCESSING,
        `${stage} failed on ${record.topic}[${record.partition}]@${record.offset}: ${errorMessage(error)}`,
        { cause: error, context },
      )
    }
    if (handling === 'log-and-continue') {
      this.logger.warn({ err: error, stage, code, ...context }, `${stage} error: record skipped`)
      return
    }
    const headers: RecordHeaders = {
      ...record.headers,
      [DEAD_LETTER_HEADERS.stage]: Buffer.from(stage),
      [DEAD_LETTER_HEADERS.code]: Buffer.from(code),
      [DEAD_LETTER_HEADERS.message]: Buffer.from(errorMessage(error).slice(0, 4000)),
      [DEAD_LETTER_HEADERS.topic]: Buffer.from(record.topic),
      [DEAD_LETTER_HEADERS.partition]: Buffer.from(String(record.partition)),
      [DEAD_LETTER_HEADERS.offset]: Buffer.from(record.offset),
      [DEAD_LETTER_HEADERS.timestamp]: Buffer.from(String(record.timestamp)),
      [DEAD_LETTER_HEADERS.application]: Buffer.from(this.config.applicationId),
    }
    let key = record.key
    let value = record.value
    if (handling.format !== undefined) {
      const built = await handling.format({
        stage,
        code,
        message: errorMessage(error),
        applicationId: this.config.applicationId,
        record,
      })
      key = built.key
      value = built.value
      Object.assign(headers, built.headers)
    }
    rt.raw.push({ topic: handling.deadLetterTopic, key, value, timestamp: record.timestamp, headers })
    this.metrics.deadLettered.inc({ application: this.config.applicationId, stage })
    this.logger.warn(
      { stage, code, ...context, deadLetterTopic: handling.deadLetterTopic },
      `${stage} error: record dead-lettered`,
    )
  }

  /** Serializes and sends what the task produced since the last send. */
  private async sendOutputs(rt: RunningTask): Promise<void> {
    if (rt.outputs.records.length === 0 && rt.raw.length === 0) return
    const outputs = rt.outputs.drain()
    const records: ProducedRecord[] = rt.raw
    rt.raw = []
    for (const out of outputs) {
      try {
        const key =
          out.key === null || out.key === undefined
            ? null
            : out.keySerde.serialize(out.topic, out.key, out.headers)
        const value =
          out.value === null || out.value === undefined
            ? null
            : out.valueSerde.serialize(out.topic, out.value, out.headers)
        const keyBytes = awaitable(key) ? await key : key
        const valueBytes = awaitable(value) ? await value : value
        let partition: number | undefined
        if (out.partitioner !== undefined) {
          const count = await this.partitionCount(out.topic)
          partition = out.partitioner(out.topic, out.key, out.value, count)
        } else if (keyBytes !== null && this.partitionCounts.has(out.topic)) {
          partition = partitionForKey(keyBytes, this.partitionCounts.get(out.topic) ?? 1)
        }
        records.push({
          topic: out.topic,
          key: keyBytes,
          value: valueBytes,
          timestamp: out.timestamp,
          headers: out.headers,
          ...(partition === undefined ? {} : { partition }),
        })
      } catch (error) {
        this.metrics.errors.inc({
          application: this.config.applicationId,
          stage: 'production',
          code: codeOf(error),
        })
        if (this.config.productionErrorHandler === 'fail') {
          throw new StreamsError(
            STREAMS_ERROR_CODES.SERIALIZATION,
            `sink ${out.sink} could not serialize a record for ${out.topic}: ${errorMessage(error)}`,
            {
              cause: error,
            },
          )
        }
        this.logger.warn(
          { err: error, sink: out.sink, topic: out.topic },
          'output record could not be serialized: skipped',
        )
      }
    }
    if (records.length === 0) return
    const producer = await this.producerFor(rt)
    await producer.send(records)
  }

  private async producerFor(rt: RunningTask): Promise<BackendProducer> {
    if (!this.exactlyOnce) {
      if (this.producer === undefined) throw new StreamsError(STREAMS_ERROR_CODES.STATE, 'no producer')
      return this.producer
    }
    const producer = rt.producer
    if (producer === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `task ${rt.task.id} has no producer`)
    if (!producer.inTransaction) await producer.beginTransaction()
    return producer
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic)
    if (known !== undefined) return known
    const counts = await this.admin?.partitionCounts([topic])
    const n = counts?.get(topic)
    if (n === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.PRODUCTION, `output topic ${topic} does not exist`)
    this.partitionCounts.set(topic, n)
    return n
  }

  private lastLag = 0

  /** Records between each input partition's position and its end, at most every five seconds. */
  private async updateLag(): Promise<void> {
    if (this.admin === undefined || Date.now() - this.lastLag < 5000) return
    this.lastLag = Date.now()
    const topics = new Set([...this.tasksByPartition.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))
    for (const topic of topics) {
      // A metric is not worth the instance: a broker too busy to answer leaves the gauge as it was.
      const ends = await this.admin.endOffsets(topic).catch((error: unknown) => {
        this.logger.debug({ err: error, topic }, 'measuring consumer lag failed')
        return new Map<number, string>()
      })
      for (const [partition, end] of ends) {
        const rt = this.tasksByPartition.get(tpKey(topic, partition))
        if (rt === undefined) continue
        const position = rt.offsets.get(tpKey(topic, partition))
        if (position === undefined) continue
        this.metrics.consumerLag.set(
          { application: this.config.applicationId, topic, partition: String(partition) },
          Math.max(0, Number(end) - Number(position)),
        )
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.fatal !== undefined) return
    await this.updateLag()
    const now = Date.now()
    for (const rt of this.tasks.values()) {
      if (rt.task.punctuate('WALL_CLOCK_TIME', now)) {
        rt.dirty = true
        await this.sendOutputs(rt)
      }
    }
    await this.maybeCommit()
  }

  private async maybeCommit(): Promise<void> {
    const requested = [...this.tasks.values()].some((rt) => rt.task.commitRequested)
    if (!requested && Date.now() - this.lastCommit < this.config.commitIntervalMs) return
    await this.commit([...this.tasks.values()], { reclaim: true })
  }

  /**
   * Makes the tasks' progress durable. At-least-once: outputs and changelogs are acknowledged before
   * offsets are committed. Exactly-once: outputs, changelogs and offsets commit in one transaction per task.
   *
   * A commit the group refuses because it has moved on (a rebalance, or this member timed out of it) is
   * not fatal, as Kafka Streams treats its TaskMigratedException: exactly-once, the task's transaction is
   * aborted and the task closed, to be restored by whoever owns it next; at-least-once, the offsets stay
   * uncommitted and the next owner reprocesses from the last commit. Returns whether everything committed.
   * With `reclaim` (a periodic commit, not a revocation), such a task is created again (see `dropMigrated`).
   */
  private async commit(tasks: readonly RunningTask[], options: { reclaim?: boolean } = {}): Promise<boolean> {
    this.lastCommit = Date.now()
    const started = process.hrtime.bigint()
    const dirty = tasks.filter(
      (rt) =>
        rt.dirty ||
        rt.outputs.records.length > 0 ||
        [...rt.stores.values()].some((s) => (s.changes?.size ?? 0) > 0),
    )
    if (dirty.length === 0) return true
    const committed: RunningTask[] = []
    for (const rt of dirty) {
      try {
        await this.sendOutputs(rt)
        const changelog = await this.changelogRecords(rt)
        if (changelog.length > 0) await (await this.producerFor(rt)).send(changelog)
        if (this.exactlyOnce) {
          const producer = await this.producerFor(rt)
          await producer.sendOffsets(this.groupId, this.offsetList(rt))
          await producer.commitTransaction()
        }
      } catch (error) {
        if (!this.exactlyOnce || !isTaskMigration(error)) throw error
        await this.dropMigrated(rt, error, options.reclaim === true)
        continue
      }
      rt.task.flushStores()
      committed.push(rt)
    }
    if (!this.exactlyOnce) {
      try {
        await this.consumer?.commit(committed.flatMap((rt) => this.offsetList(rt)))
      } catch (error) {
        if (!isTaskMigration(error)) throw error
        this.logger.warn(
          { tasks: committed.map((rt) => rt.task.id), err: error },
          'offset commit refused by a rebalancing group: the next owner reprocesses from the last commit',
        )
        return false
      }
    }
    for (const rt of committed) {
      rt.dirty = false
      rt.task.commitRequested = false
    }
    this.metrics.commitLatency.observe(
      { application: this.config.applicationId },
      Number(process.hrtime.bigint() - started) / 1e9,
    )
    return committed.length === dirty.length
  }

  private offsetList(rt: RunningTask): { topic: string; partition: number; offset: string }[] {
    return [...rt.offsets.entries()].map(([key, offset]) => {
      const at = key.lastIndexOf(':')
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset }
    })
  }

  private async changelogRecords(rt: RunningTask): Promise<ProducedRecord[]> {
    const records: ProducedRecord[] = []
    for (const [name, store] of rt.stores) {
      if (store.changes === undefined || store.changes.size === 0) continue
      const spec = this.topology.store(name)
      if (spec === undefined) continue
      const topic = `${this.config.applicationId}-${name}-changelog`
      const serdes = storeSerdes(spec, this.defaults)
      for (const entry of store.changes.drain()) {
        const encoded = encodeChange(entry, topic, serdes.key, serdes.value)
        const { key, value } = awaitable(encoded) ? await encoded : encoded
        records.push({
          topic,
          partition: rt.task.partition,
          key,
          value,
          timestamp: Math.max(0, rt.task.streamTime),
          headers: {},
        })
      }
    }
    return records
  }

  private fail(error: unknown): void {
    if (this.currentState === StreamsState.ERROR || this.currentState === StreamsState.NOT_RUNNING) return
    this.fatal =
      error instanceof StreamsError
        ? error
        : error instanceof KafkaError
          ? new StreamsError(STREAMS_ERROR_CODES.BROKER, error.message, {
              cause: error,
              retriable: error.retriable,
            })
          : new StreamsError(STREAMS_ERROR_CODES.PROCESSING, errorMessage(error), { cause: error })
    this.logger.error(
      { err: error },
      'stream thread failed; the instance stops without committing what it had not',
    )
    this.setState(StreamsState.ERROR)
    void this.shutdown(false)
  }

  /** The error that stopped the instance, if one did. */
  get error(): StreamsError | undefined {
    return this.fatal
  }

  /**
   * Stops cleanly: commits what was processed, closes tasks (checkpointing persistent stores), leaves the
   * group. Gives up waiting after `timeoutMs`, failing with a typed error.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.currentState === StreamsState.NOT_RUNNING) return
    const timeoutMs = options.timeoutMs ?? this.config.shutdownTimeoutMs
    const clean = this.currentState !== StreamsState.ERROR
    if (clean) this.setState(StreamsState.PENDING_SHUTDOWN)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StreamsError(
              STREAMS_ERROR_CODES.SHUTDOWN_TIMEOUT,
              `close() did not finish within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      )
    })
    try {
      await Promise.race([this.shutdown(clean), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private shuttingDown: Promise<void> | undefined

  private shutdown(clean: boolean): Promise<void> {
    this.shuttingDown ??= (async () => {
      if (this.timer !== undefined) clearInterval(this.timer)
      if (clean) {
        // Commit before leaving: the consumer's stop revokes (and so commits and closes) every task.
        await this.serial(() => this.commit([...this.tasks.values()])).catch((error: unknown) => {
          this.logger.error({ err: error }, 'final commit failed')
        })
      }
      if (!clean) {
        // Failed: close tasks without committing, before the consumer's revoke could commit them.
        await this.serial(async () => {
          for (const rt of [...this.tasks.values()]) await this.closeTask(rt, false)
        })
      }
      await this.consumer
        ?.stop()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'consumer stop failed'))
      await this.serial(async () => {
        for (const rt of [...this.tasks.values()]) await this.closeTask(rt, clean)
      })
      await this.following?.stop()
      for (const g of this.globalTasks) g.close()
      await this.producer?.close().catch(() => {})
      await this.admin?.close().catch(() => {})
      if (this.currentState !== StreamsState.ERROR) this.setState(StreamsState.NOT_RUNNING)
    })()
    return this.shuttingDown
  }
}

function codeOf(error: unknown): StreamsErrorCode | string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'UNKNOWN'
}

/**
 * The group or the transaction coordinator says another member owns the work now: Kafka Streams'
 * TaskMigratedException, which the client reports as a fenced producer or a refused commit.
 */
function isTaskMigration(error: unknown): boolean {
  return (
    error instanceof KafkaError &&
    (error.code === KAFKA_ERROR_CODES.REBALANCED || error.code === KAFKA_ERROR_CODES.FENCED)
  )
}
