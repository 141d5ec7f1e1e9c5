import type { KeyValue, Windowed } from '../record.ts'
import type { Serde } from '@oxagry/kafka'

export const StoreKind = {
  KEY_VALUE: 'keyValue',
  WINDOW: 'window',
  SESSION: 'session',
} as const
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind]

/** What every store has: a name, a lifecycle, and (when logged) a changelog to drain. */
export interface StateStore {
  readonly name: string
  readonly kind: StoreKind
  readonly persistent: boolean
  approximateNumEntries(): number
  /** Writes buffered changes to the persistent engine, if any. */
  flush(): void
  close(): void
}

export interface KeyValueStore<K, V> extends StateStore {
  readonly kind: 'keyValue'
  get(key: K): V | undefined
  /** A null value deletes the key. */
  put(key: K, value: V | null): void
  putIfAbsent(key: K, value: V): V | undefined
  delete(key: K): V | undefined
  all(): IterableIterator<KeyValue<K, V>>
}

export interface WindowStoreEntry<V> {
  readonly windowStart: number
  readonly value: V
}

/** Values per key and window start, kept for the retention period. */
export interface WindowStore<K, V> extends StateStore {
  readonly kind: 'window'
  readonly retentionMs: number
  put(key: K, value: V | null, windowStart: number): void
  fetch(key: K, windowStart: number): V | undefined
  /** Windows of the key whose start lies in [timeFrom, timeTo], in start order. */
  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[]
  all(): IterableIterator<KeyValue<Windowed<K>, V>>
  /** Drops windows that started before the time; stream time minus retention. */
  expire(beforeWindowStart: number): void
}

/** Aggregates per key and session window. */
export interface SessionStore<K, V> extends StateStore {
  readonly kind: 'session'
  readonly retentionMs: number
  /** Sessions of the key with end >= earliestSessionEnd and start <= latestSessionStart, in start order. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[]
  fetchSession(key: K, start: number, end: number): V | undefined
  put(session: Windowed<K>, aggregate: V): void
  remove(session: Windowed<K>): void
  all(): IterableIterator<KeyValue<Windowed<K>, V>>
  expire(beforeSessionEnd: number): void
}

export type AnyStore =
  KeyValueStore<unknown, unknown> | WindowStore<unknown, unknown> | SessionStore<unknown, unknown>

/** How a store is made, declared once in the topology and built per task. */
export interface StoreSpec {
  readonly name: string
  readonly kind: StoreKind
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  /** In memory, or in the persistent engine under the state directory. */
  readonly persistent: boolean
  /** Backed by a compacted changelog topic (Kafka Streams' default). */
  readonly logging: boolean
  /** Extra configs of the changelog topic. */
  readonly changelogConfig: Readonly<Record<string, string>>
  /** Window and session stores: how long a window is kept. */
  readonly retentionMs?: number
}

/** A stable identity for a key by value, so two equal keys from two decodes are one entry. */
export function keyId(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return `s${key}`
    case 'number':
    case 'bigint':
      return `n${key}`
    case 'boolean':
      return `b${key}`
    default:
      if (key === null || key === undefined) return 'z'
      if (Buffer.isBuffer(key)) return `x${key.toString('latin1')}`
      return `j${JSON.stringify(key)}`
  }
}
