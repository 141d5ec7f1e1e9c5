import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendAdmin, Serializer, TopicPartition } from '@oxagry/kafka'
import { pino, type Logger } from 'pino'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import {
  asyncView,
  type AnyAsyncReadOnlyStore,
  type AsyncReadOnlyKeyValueStore,
  type AsyncReadOnlySessionStore,
  type AsyncReadOnlyWindowStore,
} from '../state/async-read-only.ts'
import type {
  AnyReadOnlyStore,
  ReadOnlyKeyValueStore,
  ReadOnlySessionStore,
  ReadOnlyStateStore,
  ReadOnlyWindowStore,
  StoreKind,
} from '../state/store.ts'
import type { Topology } from '../topology/topology.ts'
import { ChangelogRestorer, type RestoreProgress } from './changelog-restorer.ts'
import { resolveConfig, type ResolvedConfig, type StreamsConfig } from './config.ts'
import type { RuntimeContext, ThreadIdentity } from './context.ts'
import { asFatal } from './error-router.ts'
import { GlobalStores } from './global-stores.ts'
import { InstanceDirectory } from './instance-directory.ts'
import { InternalTopics } from './internal-topics.ts'
import { LocalStores } from './local-stores.ts'
import { MetadataState, type LocalView } from './metadata-state.ts'
import { StreamsMetrics } from './metrics.ts'
import { effectiveDefaults } from './serdes-resolution.ts'
import { sourceRoutes } from './sources.ts'
import { StandbyTasks, type StandbyProgress } from './standby-tasks.ts'
import { StateManager } from './state-manager.ts'
import { StreamThread } from './stream-thread.ts'
import { StreamThreads, type ThreadHealth } from './stream-threads.ts'
import { StreamsState } from './streams-state.ts'
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
export type { ThreadHealth } from './stream-threads.ts'
export type * from './thread-module.ts'
export { THREAD_MODULE_EXPORT } from './thread-module.ts'

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
  private readonly stores: LocalStores
  private currentState: StreamsState = StreamsState.CREATED
  private readonly listeners: ((next: StreamsState, previous: StreamsState) => void)[] = []
  private admin: BackendAdmin | undefined
  private fatal: StreamsError | undefined
  private shuttingDown: Promise<void> | undefined
  /** With `numStreamThreads` above 1, once started: the worker threads that run the tasks instead of `thread`. */
  private threads: StreamThreads | undefined
  /** The bound of the close() under way: each stream thread gets it to close in. */
  private closeWithinMs: number | undefined

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
      setState: (next) => this.published(next),
      fail: (error) => this.fail(error),
      fatal: () => this.fatal,
    })
    const server = this.config.applicationServer
    this.directory =
      server === undefined
        ? undefined
        : new InstanceDirectory(this.context, backend, server, () => this.localView())
    this.metadataState = new MetadataState(this.context, this.topics, this.directory, () => this.localView())
    this.stores = new LocalStores({
      topology,
      globals: this.globals.stores,
      tasks: () => this.thread.tasks.all(),
      threaded: () => this.threads !== undefined || this.config.numStreamThreads > 1,
    })
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
    if (this.threads !== undefined) return this.threads.localPartitions()
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
    const threads = this.threads
    const stalledMs = !live
      ? undefined
      : threads === undefined
        ? this.thread.stalledFor()
        : threads.stalledMs()
    const restored = threads === undefined ? this.restorer.restoring === 0 : threads.ready()
    return {
      live,
      ready: this.currentState === StreamsState.RUNNING && restored && stalledMs === undefined,
      state: this.currentState,
      ...(this.fatal === undefined ? {} : { error: { code: this.fatal.code, message: this.fatal.message } }),
      ...(stalledMs === undefined ? {} : { stalledMs }),
      ...(threads === undefined ? {} : { threads: threads.threads() }),
    }
  }

  /**
   * Restore progress of every store being or having been restored on this instance (with several
   * stream threads: each thread's, in thread order, as of its last report).
   */
  restoration(): RestoreProgress[] {
    return this.threads?.restoration() ?? this.restorer.all()
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
    return this.stores.views(name, 'localStores()') as unknown as S[]
  }

  /**
   * A store of this instance to query, as Kafka Streams' `KafkaStreams.store(...)`: one read-only view
   * over every local instance (each task's, or the global one), of the kind asked for.
   */
  store<K, V>(name: string, kind: 'keyValue'): ReadOnlyKeyValueStore<K, V>
  store<K, V>(name: string, kind: 'window'): ReadOnlyWindowStore<K, V>
  store<K, V>(name: string, kind: 'session'): ReadOnlySessionStore<K, V>
  store(name: string, kind: StoreKind): AnyReadOnlyStore {
    this.stores.check(name, kind)
    return this.stores.view(name, kind, 'store()')
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
    this.stores.check(name, kind)
    const available = (): void => {
      if (this.currentState !== StreamsState.RUNNING) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.NOT_AVAILABLE,
          `store ${name} cannot be read while the instance is ${this.currentState}; its tasks may be moving`,
          { retriable: true, context: { store: name } },
        )
      }
    }
    if (this.threads !== undefined) return this.threads.asyncStore(name, kind, available)
    return asyncView(kind, name, () => {
      available()
      return this.store(name, kind as 'keyValue')
    })
  }

  /** The tasks this instance runs now, by id. */
  get taskIds(): string[] {
    if (this.threads !== undefined) return this.threads.taskIds
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
      // With several threads, each keeps its own global stores.
      if (this.config.numStreamThreads === 1) await this.globals.start(this.admin)
      await this.directory?.start(this.admin)
      if (this.config.numStreamThreads === 1) return await this.thread.start()
      this.threads = new StreamThreads(this.context, {
        state: () => this.currentState,
        changed: (next) => this.published(next),
        fail: (error) => this.fail(error),
        shuttingDown: () => this.shuttingDown !== undefined,
      })
      await this.threads.start()
    } catch (error) {
      this.fail(error)
      throw error
    }
  }

  /** Every step of a rebalance is published, so others stop routing here while partitions move. */
  private published(next: StreamsState): void {
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
      if (this.threads !== undefined) {
        await this.threads.close(this.closeWithinMs ?? this.config.shutdownTimeoutMs)
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
