import { claimProcessId, type TopicPartition } from '@oxagry/kafka'
import type { Registry } from 'prom-client'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import type { AnyAsyncReadOnlyStore } from '../state/async-read-only.ts'
import type { StoreKind } from '../state/store.ts'
import type { RestoreProgress } from './changelog-restorer.ts'
import { stateDirOf, type RuntimeContext } from './context.ts'
import { STREAMS_METRICS } from './metrics.ts'
import { StreamsState } from './streams-state.ts'
import { mergeThreadMetrics } from './thread-metrics.ts'
import { fromWire, instanceState, StreamThreadPool } from './thread-pool.ts'
import type { ThreadStatus } from './thread-protocol.ts'
import { threadStoreView } from './thread-stores.ts'

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

/** What the instance's facade lets its threads change: its state and its failure. */
export interface StreamThreadsHost {
  readonly state: () => StreamsState
  /** The instance's state changed, or partitions moved between its threads: it publishes itself. */
  readonly changed: (next: StreamsState) => void
  readonly fail: (error: unknown) => void
  readonly shuttingDown: () => boolean
}

/**
 * The stream threads of an instance with `numStreamThreads` above 1, as its facade sees them: starts
 * and closes the workers under the instance's one process id, works out the instance's state, health,
 * tasks, partitions and restores from what each thread reports, routes store reads and metrics scrapes
 * to them. The facade delegates to this instead of its own stream thread.
 */
export class StreamThreads {
  private readonly pool: StreamThreadPool
  private unmergeMetrics: (() => void) | undefined
  /** The partitions the threads owned when the instance last published its directory entry. */
  private publishedOwned = ''

  constructor(
    private readonly context: RuntimeContext,
    private readonly host: StreamThreadsHost,
  ) {
    const processId = claimProcessId(stateDirOf(context), context.logger)
    this.pool = new StreamThreadPool(context.config, context.logger, processId, () => this.threadsChanged())
  }

  /**
   * Starts the threads as workers, each built by `threadModule` (their transactional ids are
   * `<applicationId>-<processId>-<n>`); the instance's registry shows their metrics from then on.
   */
  async start(): Promise<void> {
    const pool = this.pool
    this.unmergeMetrics = mergeThreadMetrics(
      this.context.metrics.registry,
      Object.values(STREAMS_METRICS),
      async () =>
        (await pool.ask({ kind: 'metrics' })).flatMap((r) =>
          r.status === 'fulfilled' ? [r.value as Awaited<ReturnType<Registry['getMetricsAsJSON']>>] : [],
        ),
    )
    await pool.start()
  }

  private threadsChanged(): void {
    if (this.host.shuttingDown()) return
    const threads = this.pool.statuses()
    const next = instanceState(threads)
    if (next === StreamsState.ERROR) {
      // The instance fails with what its thread failed with, as Kafka's client fails with its thread's error.
      const failed = threads.find((t) => t.state === StreamsState.ERROR)
      const error = failed?.error ?? {
        code: STREAMS_ERROR_CODES.STATE,
        message: 'no reason given',
        retriable: false,
      }
      return this.host.fail(
        fromWire({ ...error, message: `stream thread ${failed?.index ?? '?'} failed: ${error.message}` }),
      )
    }
    // Each step is published (as a single thread's rebalance is), and so is a move of partitions
    // between threads that leaves the instance's state as it was.
    const owned = threads
      .flatMap((t) => t.owned)
      .sort()
      .join()
    if (next === this.host.state() && owned === this.publishedOwned) return
    this.publishedOwned = owned
    this.host.changed(next)
  }

  /** The input partitions of every thread's tasks, and the `topic:partition` keys they own. */
  localPartitions(): { partitions: TopicPartition[]; owned: string[] } {
    const threads = this.pool.statuses()
    return { partitions: threads.flatMap((t) => t.partitions), owned: threads.flatMap((t) => t.owned) }
  }

  /** The longest stall any thread reports, if one does. */
  stalledMs(): number | undefined {
    return this.pool
      .statuses()
      .reduce<number | undefined>(
        (most, t) => (t.stalledMs === undefined ? most : Math.max(most ?? 0, t.stalledMs)),
        undefined,
      )
  }

  /** Every thread has restored its tasks and processes. */
  ready(): boolean {
    return this.pool.statuses().every((t) => t.ready)
  }

  threads(): ThreadHealth[] {
    return this.pool.statuses().map(threadHealth)
  }

  get taskIds(): string[] {
    return this.pool.statuses().flatMap((t) => [...t.tasks])
  }

  /** Every thread's restores, in thread order, as each last reported them. */
  restoration(): RestoreProgress[] {
    return this.pool.statuses().flatMap((t) => t.restores)
  }

  /** A store read by asking every thread; `available` fails the read while the instance cannot answer. */
  asyncStore(name: string, kind: StoreKind, available: () => void): AnyAsyncReadOnlyStore {
    // Every thread keeps its own copy of a global store: one answers.
    const global = this.context.topology.globalStores.some((g) => g.store.name === name)
    return threadStoreView(kind, name, async (read) => {
      available()
      const answers = await this.pool.ask({ kind: 'store', read })
      return global ? answers.slice(0, 1) : answers
    })
  }

  /** Closes every thread (each within `timeoutMs`), ends the workers and puts the registry back. */
  async close(timeoutMs: number): Promise<void> {
    await this.pool.close(timeoutMs)
    this.unmergeMetrics?.()
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
