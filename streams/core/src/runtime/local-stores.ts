import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { readOnlyKeyValue, readOnlySession, readOnlyView, readOnlyWindow } from '../state/read-only.ts'
import type {
  AnyReadOnlyStore,
  AnyStore,
  KeyValueStore,
  SessionStore,
  StateStore,
  StoreKind,
  WindowStore,
} from '../state/store.ts'
import type { Topology } from '../topology/topology.ts'
import type { ActiveTask } from './task-manager.ts'

/** Where a store's instances are in the calling thread: its tasks' and the global ones. */
export interface LocalStoreSources {
  readonly topology: Topology
  readonly globals: ReadonlyMap<string, StateStore>
  /** The tasks the calling thread runs now. */
  readonly tasks: () => readonly ActiveTask[]
  /** The stores are in worker threads (`numStreamThreads` above 1): only asynchronous reads reach them. */
  readonly threaded: () => boolean
}

/**
 * The stores of the calling thread as queries see them (Kafka Streams' QueryableStoreProvider): checks
 * a store's name and kind against the topology and gives one read-only view over its local instances.
 */
export class LocalStores {
  constructor(private readonly sources: LocalStoreSources) {}

  /** Fails with `OXA_STREAMS_UNKNOWN_STORE` when the topology has no such store of that kind. */
  check(name: string, kind: StoreKind): void {
    const topology = this.sources.topology
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

  /** Read-only views of a store's instances, one per local task (or the global one). */
  views(name: string, what: string): AnyReadOnlyStore[] {
    this.requireOneThread(what)
    return this.instancesOf(name).map((store) => readOnlyView(store))
  }

  /** One read-only view over every local instance of a store (checked with `check` first). */
  view(name: string, kind: StoreKind, what: string): AnyReadOnlyStore {
    this.requireOneThread(what)
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

  /** Stores of several threads are in other isolates: only asynchronous reads reach them. */
  private requireOneThread(what: string): void {
    if (!this.sources.threaded()) return
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `${what} reads the calling thread's stores; with /config/numStreamThreads above 1 they are in worker threads: use asyncStore()`,
    )
  }

  private instancesOf(name: string): AnyStore[] {
    const global = this.sources.globals.get(name)
    if (global !== undefined) return [global as unknown as AnyStore]
    return this.sources.tasks().flatMap((active) => {
      const store = active.stores.get(name)
      return store === undefined ? [] : [store as unknown as AnyStore]
    })
  }
}
