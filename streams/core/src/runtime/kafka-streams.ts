import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendAdmin, Serializer, TopicPartition } from '@oxagry/kafka'
import { pino, type Logger } from 'pino'
import type { Registry } from 'prom-client'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { readOnlyKeyValue, readOnlySession, readOnlyView, readOnlyWindow } from '../state/read-only.ts'
import {
  asyncView,
  type AnyAsyncReadOnlyStore,
  type AsyncReadOnlyKeyValueStore,
  type AsyncReadOnlySessionStore,
  type AsyncReadOnlyWindowStore,
} from '../state/async-read-only.ts'
import type {
  AnyReadOnlyStore,
  AnyStore,
  KeyValueStore,
  ReadOnlyKeyValueStore,
  ReadOnlySessionStore,
  ReadOnlyStateStore,
  ReadOnlyWindowStore,
  SessionStore,
  StoreKind,
  WindowStore,
} from '../state/store.ts'
import type { Topology } from '../topology/topology.ts'
import { ChangelogRestorer, type RestoreProgress } from './changelog-restorer.ts'
import { resolveConfig, type ResolvedConfig, type StreamsConfig } from './config.ts'
import { stateDirOf, type RuntimeContext, type ThreadIdentity } from './context.ts'
import { asFatal } from './error-router.ts'
import { GlobalStores } from './global-stores.ts'
import { InstanceDirectory } from './instance-directory.ts'
import { InternalTopics } from './internal-topics.ts'
import { MetadataState, type LocalView } from './metadata-state.ts'
import { STREAMS_METRICS, StreamsMetrics } from './metrics.ts'
import { claimProcessId } from './process-id.ts'
import { effectiveDefaults } from './serdes-resolution.ts'
import { sourceRoutes } from './sources.ts'
import { StandbyTasks, type StandbyProgress } from './standby-tasks.ts'
import { StateManager } from './state-manager.ts'
import { StreamThread } from './stream-thread.ts'
import { StreamsState } from './streams-state.ts'
import { mergeThreadMetrics } from './thread-metrics.ts'
import { fromWire, instanceState, StreamThreadPool } from './thread-pool.ts'
import type { ThreadStatus } from './thread-protocol.ts'
import { threadStoreView } from './thread-stores.ts'
import {
  parseHostInfo,
  type HostInfo,
  type KeyPartitioner,
  type KeyQueryMetadata,
  type StreamsMetadata,
} from './streams-metadata.ts'

export { StreamsState } from './streams-state.ts'
export * from './streams-metadata.ts'
export type * from '../state/async-read-only.ts'
export { DEAD_LETTER_HEADERS } from './error-router.ts'
export type { RestoreProgress } from './changelog-restorer.ts'
export type { StandbyProgress } from './standby-tasks.ts'
export type * from './thread-module.ts'
export { THREAD_MODULE_EXPORT } from './thread-module.ts'

/** One stream thread's health (`numStreamThreads` above 1), as it last reported it. */
export interface ThreadHealth {
  /** 1-based, as Kafka Streams numbers its StreamThreads. */
  readonly thread: number
  readonly state: StreamsState
  readonly ready: boolean
  readonly tasks: readonly string[]
  readonly error?: { readonly code: string; readonly message: string }
  readonly stalledMs?: number
}

export interface Health {
  /** The instance works (or is starting); false once it failed or stopped. */
  readonly live: boolean
  /** Every assigned task is restored and processing, and no call to the broker is stalled. */
  readonly ready: boolean
  readonly state: StreamsState
  /** Why the instance stopped, once it has failed: what an operator reads first. */
  readonly error?: { readonly code: string; readonly message: string }
  /** How long the thread has been held up waiting on the broker, once past `stalledAfterMs`. */
  readonly stalledMs?: number
  /** With `numStreamThreads` above 1: every stream thread, in order. */
  readonly threads?: readonly ThreadHealth[]
}

/**
 * Runs a topology against Kafka, as Kafka Streams' KafkaStreams: one consumer group per application,
 * a task per sub-topology and input partition, state restored from changelogs before processing,
 * at-least-once or exactly-once commits, error handlers, metrics and a health state. This class keeps
 * the lifecycle, the state and health; the work is done by the stream thread and the units it uses.
 */
export class KafkaStreams {
  readonly config: ResolvedConfig
  readonly logger: Logger
  readonly metrics: StreamsMetrics
  private readonly context: RuntimeContext
  private readonly topics: InternalTopics
  private readonly globals: GlobalStores
  private readonly restorer: ChangelogRestorer
  private readonly thread: StreamThread
  private readonly standbys: StandbyTasks
  /** Shares where each instance answers queries; only with `applicationServer`. */
  private readonly directory: InstanceDirectory | undefined
  private readonly metadataState: MetadataState
  private currentState: StreamsState = StreamsState.CREATED
  private readonly listeners: ((next: StreamsState, previous: StreamsState) => void)[] = []
  private admin: BackendAdmin | undefined
  private fatal: StreamsError | undefined
  private shuttingDown: Promise<void> | undefined
  /** With `numStreamThreads` above 1: the worker threads that run the tasks instead of `thread`. */
  private pool: StreamThreadPool | undefined
  private unmergeMetrics: (() => void) | undefined
  /** The bound of the close() under way: each stream thread gets it to close in. */
  private closeWithinMs: number | undefined
  /** The partitions the threads owned when the instance last published its directory entry. */
  private publishedOwned = ''

  /**
   * @param internal what a stream thread's worker passes for the thread it runs; not for applications.
   */
  constructor(topology: Topology, config: StreamsConfig, internal: { thread?: ThreadIdentity } = {}) {
    this.config = resolveConfig(config, join(tmpdir(), 'oxagry-streams'))
    this.logger = (config.logger ?? pino({ name: 'streams' })).child({
      applicationId: this.config.applicationId,
    })
    const defaults = effectiveDefaults(topology, this.config)
    topology.validateSerdes(defaults)
    this.metrics = new StreamsMetrics(config.metricsRegistry, () =>
      this.thread.tasks.all().flatMap((active) =>
        [...active.stores.entries()].map(([store, s]) => ({
          application: this.config.applicationId,
          store,
          task: active.task.id,
          entries: s.approximateNumEntries(),
        })),
      ),
    )
    this.context = {
      config: this.config,
      topology,
      defaults,
      logger: this.logger,
      metrics: this.metrics,
      ...(internal.thread === undefined ? {} : { thread: internal.thread }),
    }
    const backend = this.config.backend
    const state = new StateManager(this.context)
    this.topics = new InternalTopics(this.context)
    this.globals = new GlobalStores(this.context, backend)
    this.restorer = new ChangelogRestorer(this.context, backend, state)
    const routes = sourceRoutes(this.context, this.topics)
    this.standbys = new StandbyTasks(this.context, {
      backend,
      routes,
      partitionsOf: (topic) => this.topics.knownPartitions(topic),
      state,
      members: () => ({
        self: this.directory?.endpoint ?? '',
        members: (this.directory?.claims.fresh(Date.now()) ?? []).map((e) => ({
          id: e.endpoint,
          partitions: e.partitions,
        })),
      }),
    })
    this.thread = new StreamThread(this.context, {
      backend,
      admin: () => this.admin,
      topics: this.topics,
      routes,
      globalStores: this.globals.stores,
      state,
      restorer: this.restorer,
      standbys: this.standbys,
      setState: (next) => {
        this.setState(next)
        // Every step of a rebalance is published, so others stop routing here while partitions move.
        this.directory?.publish()
      },
      fail: (error) => this.fail(error),
      fatal: () => this.fatal,
    })
    const server = this.config.applicationServer
    this.directory =
      server === undefined
        ? undefined
        : new InstanceDirectory(this.context, backend, server, () => this.localView())
    this.metadataState = new MetadataState(this.context, this.topics, this.directory, () => this.localView())
    this.setState(StreamsState.CREATED)
  }

  private localView(): LocalView {
    const { partitions, owned } = this.localPartitions()
    return {
      endpoint: this.config.applicationServer ?? '',
      running: this.currentState === StreamsState.RUNNING,
      owned: new Set(owned),
      partitions,
      standbyPartitions: this.standbys.inputPartitions(),
    }
  }

  /**
   * The input partitions of the tasks this instance runs now (of every stream thread), and the
   * `topic:partition` keys it owns: what its directory entry publishes.
   */
  localPartitions(): { partitions: TopicPartition[]; owned: string[] } {
    if (this.pool !== undefined) {
      const threads = this.pool.statuses()
      return {
        partitions: threads.flatMap((t) => t.partitions),
        owned: threads.flatMap((t) => t.owned),
      }
    }
    return {
      partitions: this.thread.tasks.all().flatMap((active) => active.partitions),
      owned: [...this.thread.tasks.ownedPartitions()],
    }
  }

  /** Where this instance answers interactive queries (`applicationServer`), if it does. */
  get hostInfo(): HostInfo | undefined {
    const server = this.config.applicationServer
    return server === undefined ? undefined : parseHostInfo(server)
  }

  /** Every instance of the application known now, this one first (needs `applicationServer`). */
  metadataForAllStreamsClients(): StreamsMetadata[] {
    return this.metadataState.allMetadata()
  }

  /** The instances that hold a part of a store now (needs `applicationServer`). */
  streamsMetadataForStore(store: string): StreamsMetadata[] {
    return this.metadataState.streamsMetadataForStore(store)
  }

  /**
   * Which instance holds `key` of `store` now, as Kafka Streams' `queryMetadataForKey` (needs
   * `applicationServer`): `activeHost` is undefined while nobody is known to own its partition (a
   * rebalance, or the owner left and its partitions have not moved yet), Kafka's NOT_AVAILABLE.
   * Asynchronous because the key serializer may be.
   */
  queryMetadataForKey<K>(
    store: string,
    key: K,
    keySerializer: Serializer<K>,
    partitioner?: KeyPartitioner<K>,
  ): Promise<KeyQueryMetadata> {
    return this.metadataState.queryMetadataForKey(store, key, keySerializer, partitioner)
  }

  get state(): StreamsState {
    return this.currentState
  }

  onStateChange(listener: (next: StreamsState, previous: StreamsState) => void): void {
    this.listeners.push(listener)
  }

  health(): Health {
    const live = this.currentState !== StreamsState.ERROR && this.currentState !== StreamsState.NOT_RUNNING
    const threads = this.pool?.statuses()
    const stalledMs = !live
      ? undefined
      : threads === undefined
        ? this.thread.stalledFor()
        : threads.reduce<number | undefined>(
            (most, t) => (t.stalledMs === undefined ? most : Math.max(most ?? 0, t.stalledMs)),
            undefined,
          )
    const restored = threads === undefined ? this.restorer.restoring === 0 : threads.every((t) => t.ready)
    return {
      live,
      ready: this.currentState === StreamsState.RUNNING && restored && stalledMs === undefined,
      state: this.currentState,
      ...(this.fatal === undefined ? {} : { error: { code: this.fatal.code, message: this.fatal.message } }),
      ...(stalledMs === undefined ? {} : { stalledMs }),
      ...(threads === undefined ? {} : { threads: threads.map(threadHealth) }),
    }
  }

  /** Restore progress of every store being or having been restored on this instance. */
  restoration(): RestoreProgress[] {
    return this.restorer.all()
  }

  /** How far each standby store of this instance has read its changelog (`numStandbyReplicas`). */
  standbyProgress(): StandbyProgress[] {
    return this.standbys.progress()
  }

  /** The tasks this instance keeps standbys of, by id. */
  get standbyTaskIds(): string[] {
    return this.standbys.ids
  }

  /**
   * Read-only views of a store's instances on this instance, one per local task (or the global one):
   * nothing outside a processor writes a store.
   */
  localStores<S extends ReadOnlyStateStore = AnyReadOnlyStore>(name: string): S[] {
    this.requireOneThread('localStores()')
    return this.instancesOf(name).map((store) => readOnlyView(store) as unknown as S)
  }

  /**
   * A store of this instance to query, as Kafka Streams' `KafkaStreams.store(...)`: one read-only view
   * over every local instance (each task's, or the global one), of the kind asked for.
   */
  store<K, V>(name: string, kind: 'keyValue'): ReadOnlyKeyValueStore<K, V>
  store<K, V>(name: string, kind: 'window'): ReadOnlyWindowStore<K, V>
  store<K, V>(name: string, kind: 'session'): ReadOnlySessionStore<K, V>
  store(name: string, kind: StoreKind): AnyReadOnlyStore {
    this.checkStore(name, kind)
    this.requireOneThread('store()')
    const instances = this.instancesOf(name)
    switch (kind) {
      case 'keyValue':
        return readOnlyKeyValue(name, instances as KeyValueStore<unknown, unknown>[])
      case 'window': {
        const windows = instances as WindowStore<unknown, unknown>[]
        return readOnlyWindow(name, windows[0]?.retentionMs ?? 0, windows)
      }
      case 'session': {
        const sessions = instances as SessionStore<unknown, unknown>[]
        return readOnlySession(name, sessions[0]?.retentionMs ?? 0, sessions)
      }
    }
  }

  /**
   * An asynchronous read-only view of a store of this instance: each call finds the store's instances
   * anew (wherever a rebalance put them) and fails with a retriable `OXA_STREAMS_NOT_AVAILABLE` while
   * the instance is not running (its stores may be moving), as Kafka Streams' InvalidStateStoreException.
   */
  asyncStore<K, V>(name: string, kind: 'keyValue'): AsyncReadOnlyKeyValueStore<K, V>
  asyncStore<K, V>(name: string, kind: 'window'): AsyncReadOnlyWindowStore<K, V>
  asyncStore<K, V>(name: string, kind: 'session'): AsyncReadOnlySessionStore<K, V>
  asyncStore(name: string, kind: StoreKind): AnyAsyncReadOnlyStore {
    this.checkStore(name, kind)
    const available = (): void => {
      if (this.currentState !== StreamsState.RUNNING) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.NOT_AVAILABLE,
          `store ${name} cannot be read while the instance is ${this.currentState}; its tasks may be moving`,
          { retriable: true, context: { store: name } },
        )
      }
    }
    const pool = this.pool
    if (pool !== undefined) {
      // Every thread keeps its own copy of a global store: one answers.
      const global = this.context.topology.globalStores.some((g) => g.store.name === name)
      return threadStoreView(kind, name, async (read) => {
        available()
        const answers = await pool.ask({ kind: 'store', read })
        return global ? answers.slice(0, 1) : answers
      })
    }
    return asyncView(kind, name, () => {
      available()
      return this.store(name, kind as 'keyValue')
    })
  }

  /** Stores of several threads are in other isolates: only asynchronous reads reach them. */
  private requireOneThread(what: string): void {
    if (this.pool === undefined && this.config.numStreamThreads === 1) return
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `${what} reads the calling thread's stores; with /config/numStreamThreads above 1 they are in worker threads: use asyncStore()`,
    )
  }

  private checkStore(name: string, kind: StoreKind): void {
    const topology = this.context.topology
    const spec = topology.store(name) ?? topology.globalStores.find((g) => g.store.name === name)?.store
    if (spec === undefined) {
      throw new StreamsError(STREAMS_ERROR_CODES.UNKNOWN_STORE, `no store named ${name} in the topology`)
    }
    if (spec.kind !== kind) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.UNKNOWN_STORE,
        `store ${name} is a ${spec.kind} store, not a ${kind} store`,
      )
    }
  }

  private instancesOf(name: string): AnyStore[] {
    const global = this.globals.stores.get(name)
    if (global !== undefined) return [global as unknown as AnyStore]
    return this.thread.tasks.all().flatMap((active) => {
      const store = active.stores.get(name)
      return store === undefined ? [] : [store as unknown as AnyStore]
    })
  }

  /** The tasks this instance runs now, by id. */
  get taskIds(): string[] {
    if (this.pool !== undefined) return this.pool.statuses().flatMap((t) => [...t.tasks])
    return this.thread.tasks.ids
  }

  /** The error that stopped the instance, if one did. */
  get error(): StreamsError | undefined {
    return this.fatal
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

  /** Creates internal topics, checks co-partitioning, loads global stores and joins the group. */
  async start(): Promise<void> {
    if (this.currentState !== StreamsState.CREATED) {
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `start() called in state ${this.currentState}`)
    }
    this.setState(StreamsState.REBALANCING)
    try {
      this.admin = await this.config.backend.admin()
      await this.topics.prepare(this.admin)
      if (this.config.numStreamThreads > 1) {
        await this.directory?.start(this.admin)
        await this.startThreads()
        return
      }
      await this.globals.start(this.admin)
      await this.directory?.start(this.admin)
      await this.thread.start()
    } catch (error) {
      this.fail(error)
      throw error
    }
  }

  /**
   * Starts the stream threads as workers, each built by `threadModule`, under the instance's one
   * process id (their transactional ids are `<applicationId>-<processId>-<n>`); the instance's state
   * follows theirs from then on, and its registry shows their metrics.
   */
  private async startThreads(): Promise<void> {
    const processId = claimProcessId(stateDirOf(this.context), this.logger)
    const pool = new StreamThreadPool(this.config, this.logger, processId, () => this.threadsChanged())
    this.pool = pool
    this.unmergeMetrics = mergeThreadMetrics(
      this.metrics.registry,
      Object.values(STREAMS_METRICS),
      async () =>
        (await pool.ask({ kind: 'metrics' })).flatMap((r) =>
          r.status === 'fulfilled' ? [r.value as Awaited<ReturnType<Registry['getMetricsAsJSON']>>] : [],
        ),
    )
    await pool.start()
  }

  private threadsChanged(): void {
    const pool = this.pool
    if (pool === undefined || this.shuttingDown !== undefined) return
    const threads = pool.statuses()
    const next = instanceState(threads)
    if (next === StreamsState.ERROR) {
      // The instance fails with what its thread failed with, as Kafka's client fails with its thread's error.
      const failed = threads.find((t) => t.state === StreamsState.ERROR)
      const error = failed?.error ?? {
        code: STREAMS_ERROR_CODES.STATE,
        message: 'no reason given',
        retriable: false,
      }
      return this.fail(
        fromWire({ ...error, message: `stream thread ${failed?.index ?? '?'} failed: ${error.message}` }),
      )
    }
    // Each step is published (as a single thread's rebalance is), and so is a move of partitions
    // between threads that leaves the instance's state as it was.
    const owned = threads
      .flatMap((t) => t.owned)
      .sort()
      .join()
    if (next === this.currentState && owned === this.publishedOwned) return
    this.publishedOwned = owned
    this.setState(next)
    this.directory?.publish()
  }

  private fail(error: unknown): void {
    if (this.currentState === StreamsState.ERROR || this.currentState === StreamsState.NOT_RUNNING) return
    this.fatal = asFatal(error)
    this.logger.error(
      { err: error },
      'stream thread failed; the instance stops without committing what it had not',
    )
    this.setState(StreamsState.ERROR)
    void this.shutdown(false)
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
      this.closeWithinMs = timeoutMs
      await Promise.race([this.shutdown(clean), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private shutdown(clean: boolean): Promise<void> {
    this.shuttingDown ??= (async () => {
      if (this.pool !== undefined) {
        await this.pool.close(this.closeWithinMs ?? this.config.shutdownTimeoutMs)
        this.unmergeMetrics?.()
      } else await this.thread.shutdown(clean)
      await this.directory?.stop()
      await this.globals.stop()
      await this.admin?.close().catch(() => {})
      this.metrics.close()
      if (this.currentState !== StreamsState.ERROR) this.setState(StreamsState.NOT_RUNNING)
    })()
    return this.shuttingDown
  }
}

function threadHealth(t: ThreadStatus): ThreadHealth {
  return {
    thread: t.index,
    state: t.state,
    ready: t.ready,
    tasks: t.tasks,
    ...(t.error === undefined ? {} : { error: { code: t.error.code, message: t.error.message } }),
    ...(t.stalledMs === undefined ? {} : { stalledMs: t.stalledMs }),
  }
}
