import { join } from 'node:path'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { Serde } from '@oxagry/kafka'
import type { DefaultSerdes } from '../topology/topology.ts'
import type { ChangeBuffer } from './changelog.ts'
import { removeEnv } from './lmdb-env.ts'
import { LmdbKeyValueStore } from './lmdb-stores.ts'
import { LmdbSessionStore, LmdbWindowStore } from './lmdb-windowed-stores.ts'
import { InMemoryKeyValueStore, InMemorySessionStore, InMemoryWindowStore } from './memory-stores.ts'
import type { AnyStore, StoreSpec } from './store.ts'

/** A store instance the runtime manages: typed access for processors, changelog access for the task. */
export type ManagedStore = AnyStore & {
  readonly changes: ChangeBuffer | undefined
  restore(...args: unknown[]): void
  /** A persistent store's `flush` made durable (fsync): run before a checkpoint vouches for it. */
  flushToDisk?(): void
  wipe?(): void
}

/** Flushes a store durably where it has files, else as usual: before a checkpoint is written. */
export function flushToDisk(store: ManagedStore): void {
  if (store.flushToDisk === undefined) store.flush()
  else store.flushToDisk()
}

export interface StoreFactoryOptions extends DefaultSerdes {
  /** Where persistent stores live: `<stateDir>/<taskId>/<store>`. Required when a store is persistent. */
  readonly stateDir?: string
}

export function storeSerdes(
  spec: StoreSpec,
  defaults: DefaultSerdes,
): { key: Serde<unknown>; value: Serde<unknown> } {
  const key = spec.keySerde ?? defaults.defaultKeySerde
  const value = spec.valueSerde ?? defaults.defaultValueSerde
  if (key === undefined || value === undefined) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.MISSING_SERDE,
      `store ${spec.name} has no ${key === undefined ? 'key' : 'value'} serde`,
    )
  }
  return { key, value }
}

/**
 * Builds one task's instance of a declared store. `fresh`: a persistent store's files are deleted unread
 * first, as nothing vouches for them (no checkpoint: the task's last run here crashed, see `openEnv`).
 */
export function createStore(
  spec: StoreSpec,
  taskId: string,
  options: StoreFactoryOptions,
  fresh = false,
): ManagedStore {
  const retention = spec.retentionMs ?? 24 * 60 * 60 * 1000
  if (!spec.persistent) {
    switch (spec.kind) {
      case 'keyValue':
        // The key serde orders iteration by key bytes, as Kafka Streams' stores iterate.
        return new InMemoryKeyValueStore(
          spec.name,
          spec.logging,
          spec.keySerde ?? options.defaultKeySerde,
        ) as unknown as ManagedStore
      case 'window':
        return new InMemoryWindowStore(spec.name, retention, spec.logging) as unknown as ManagedStore
      case 'session':
        return new InMemorySessionStore(spec.name, retention, spec.logging) as unknown as ManagedStore
    }
  }
  if (options.stateDir === undefined) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `store ${spec.name} is persistent but no stateDir is configured`,
    )
  }
  const serdes = storeSerdes(spec, options)
  const path = join(options.stateDir, taskId, spec.name)
  if (fresh) removeEnv(path)
  switch (spec.kind) {
    case 'keyValue':
      return new LmdbKeyValueStore(
        spec.name,
        path,
        serdes.key,
        serdes.value,
        spec.logging,
      ) as unknown as ManagedStore
    case 'window':
      return new LmdbWindowStore(
        spec.name,
        path,
        serdes.key,
        serdes.value,
        retention,
        spec.logging,
      ) as unknown as ManagedStore
    case 'session':
      return new LmdbSessionStore(
        spec.name,
        path,
        serdes.key,
        serdes.value,
        retention,
        spec.logging,
      ) as unknown as ManagedStore
  }
}
