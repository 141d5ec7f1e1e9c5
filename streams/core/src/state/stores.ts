import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { Serde } from '@oxagry/kafka'
import type { StoreKind, StoreSpec } from './store.ts'

export interface StoreOptions<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  /** Backed by a compacted changelog topic; default true. */
  readonly logging?: boolean
  readonly changelogConfig?: Readonly<Record<string, string>>
}

function spec<Name extends string, K, V, Kind extends StoreKind>(
  name: Name,
  kind: Kind,
  persistent: boolean,
  options: StoreOptions<K, V>,
  retentionMs?: number,
): StoreSpec<Name, K, V, Kind> {
  if (retentionMs !== undefined && !(Number.isSafeInteger(retentionMs) && retentionMs > 0)) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `store ${name} needs a retention of a positive whole number of milliseconds, got ${retentionMs}`,
    )
  }
  return {
    name,
    kind,
    persistent,
    logging: options.logging ?? true,
    changelogConfig: {
      'cleanup.policy': kind === 'keyValue' ? 'compact' : 'compact,delete',
      ...options.changelogConfig,
    },
    ...(options.keySerde === undefined ? {} : { keySerde: options.keySerde as Serde<unknown> }),
    ...(options.valueSerde === undefined ? {} : { valueSerde: options.valueSerde as Serde<unknown> }),
    ...(retentionMs === undefined ? {} : { retentionMs }),
  }
}

/**
 * Store declarations for the processor API, as Kafka Streams' `Stores`. Each returns a typed spec: its
 * name, kind, key and value types (given, or inferred from the serdes), so a processor's
 * `context.getStateStore(spec)` is the store's own type and `KStream.process(supplier, spec)` connects it.
 */
export const Stores = {
  inMemoryKeyValueStore: <K, V, const Name extends string = string>(
    name: Name,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'keyValue'> => spec(name, 'keyValue', false, options),
  persistentKeyValueStore: <K, V, const Name extends string = string>(
    name: Name,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'keyValue'> => spec(name, 'keyValue', true, options),
  inMemoryWindowStore: <K, V, const Name extends string = string>(
    name: Name,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'window'> => spec(name, 'window', false, options, retentionMs),
  inMemorySessionStore: <K, V, const Name extends string = string>(
    name: Name,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'session'> => spec(name, 'session', false, options, retentionMs),
  /**
   * A window store in LMDB, the engine of `persistentKeyValueStore`: entries by key then window start,
   * with a time index for expiry; needs key and value serdes (its own or the application's defaults).
   */
  persistentWindowStore: <K, V, const Name extends string = string>(
    name: Name,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'window'> => spec(name, 'window', true, options, retentionMs),
  /** A session store in LMDB: entries by key, then session end and start, expired by end. */
  persistentSessionStore: <K, V, const Name extends string = string>(
    name: Name,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec<Name, K, V, 'session'> => spec(name, 'session', true, options, retentionMs),
} as const
