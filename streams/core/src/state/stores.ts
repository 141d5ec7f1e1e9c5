import type { Serde } from '@oxagry/kafka'
import type { StoreKind, StoreSpec } from './store.ts'

export interface StoreOptions<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  /** Backed by a compacted changelog topic; default true. */
  readonly logging?: boolean
  readonly changelogConfig?: Readonly<Record<string, string>>
}

function spec<K, V>(
  name: string,
  kind: StoreKind,
  persistent: boolean,
  options: StoreOptions<K, V>,
  retentionMs?: number,
): StoreSpec {
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

/** Store declarations for the processor API, as Kafka Streams' `Stores`. */
export const Stores = {
  inMemoryKeyValueStore: <K, V>(name: string, options: StoreOptions<K, V> = {}): StoreSpec =>
    spec(name, 'keyValue', false, options),
  persistentKeyValueStore: <K, V>(name: string, options: StoreOptions<K, V> = {}): StoreSpec =>
    spec(name, 'keyValue', true, options),
  inMemoryWindowStore: <K, V>(
    name: string,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec => spec(name, 'window', false, options, retentionMs),
  inMemorySessionStore: <K, V>(
    name: string,
    retentionMs: number,
    options: StoreOptions<K, V> = {},
  ): StoreSpec => spec(name, 'session', false, options, retentionMs),
} as const
