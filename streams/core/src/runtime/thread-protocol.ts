/**
 * The messages between an instance's main thread and its stream threads (`numStreamThreads` above 1),
 * over each worker's port. Everything here crosses by structured clone: no closures, no class instances.
 */
import type { TopicPartition } from '@oxagry/kafka'
import type { StoreKind } from '../state/store.ts'
import type { RestoreProgress } from './changelog-restorer.ts'
import type { ThreadOptions } from './thread-module.ts'
import type { StreamsState } from './streams-state.ts'

/** What a worker is started with (its `workerData`). */
export interface ThreadWorkerData {
  /** The `file:` URL of the module whose `buildStreamThread` builds the thread. */
  readonly module: string
  /** 1-based. */
  readonly index: number
  readonly numStreamThreads: number
  /** The instance's process id, claimed once for all threads: their transactional ids derive from it. */
  readonly processId: string
  /** The options the main thread resolved that can cross a thread; they win over the module's. */
  readonly options: ThreadOptions
}

/** An error as it crosses: what a typed error carries, rebuilt on the other side. */
export interface WireError {
  readonly code: string
  readonly message: string
  readonly retriable: boolean
}

/** One thread as it last reported itself: what the instance's state, health and directory are made of. */
export interface ThreadStatus {
  readonly index: number
  readonly state: StreamsState
  readonly ready: boolean
  readonly error?: WireError
  readonly stalledMs?: number
  readonly tasks: readonly string[]
  /** The input partitions of the thread's tasks. */
  readonly partitions: readonly TopicPartition[]
  /** `topic:partition` keys of what the thread owns now. */
  readonly owned: readonly string[]
  /** The thread's restores, as its `restoration()` gives them. */
  readonly restores: readonly RestoreProgress[]
}

/** A read on a store, as the main thread's async view asks each thread. */
export interface StoreRead {
  readonly store: string
  readonly kind: StoreKind
  /** A method of the async read-only view of that kind. */
  readonly method: string
  readonly args: readonly unknown[]
}

export type ThreadRequest =
  | { readonly kind: 'start' }
  | { readonly kind: 'close'; readonly timeoutMs: number }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'store'; readonly read: StoreRead }

/** Main thread to worker. */
export type ToThread = { readonly type: 'request'; readonly id: number; readonly request: ThreadRequest }

/** Worker to main thread. */
export type FromThread =
  | { readonly type: 'status'; readonly status: ThreadStatus }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError }

export function toWire(error: unknown): WireError {
  const e = error as { code?: unknown; message?: unknown; retriable?: unknown } | undefined
  return {
    code: typeof e?.code === 'string' ? e.code : 'OXA_STREAMS_PROCESSING',
    message: typeof e?.message === 'string' ? e.message : String(error),
    retriable: e?.retriable === true,
  }
}
