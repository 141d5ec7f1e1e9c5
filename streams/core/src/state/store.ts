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

/** A value with the timestamp of the record that made it, as Kafka Streams' `ValueAndTimestamp`. */
export interface ValueAndTimestamp<V> {
  readonly value: V
  readonly timestamp: number
}

/** The timestamp of a value written without one (Kafka's `RecordBatch.NO_TIMESTAMP`). */
export const NO_TIMESTAMP = -1

/** What any caller may read of a store: its name, kind and size. */
export interface ReadOnlyStateStore {
  readonly name: string
  readonly kind: StoreKind
  approximateNumEntries(): number
}

/**
 * Reads of a key-value store, as Kafka Streams' ReadOnlyKeyValueStore: what a caller outside a
 * processor gets. Iteration (`all`, `range`, `reverseRange`, `prefixScan`) is in ascending order of the
 * serialized key bytes, as Kafka Streams' stores iterate, so a processor that walks a store sees the
 * same order whichever engine holds it.
 */
export interface ReadOnlyKeyValueStore<K, V> extends ReadOnlyStateStore {
  readonly kind: 'keyValue'
  get(key: K): V | undefined
  /** The value with the timestamp it was written with (NO_TIMESTAMP when written by `put`). */
  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined
  all(): IterableIterator<KeyValue<K, V>>
  /** `all` in descending key order. */
  reverseAll(): IterableIterator<KeyValue<K, V>>
  /** Keys in [from, to], both inclusive; an undefined bound is open; from above to: nothing. */
  range(from?: K, to?: K): IterableIterator<KeyValue<K, V>>
  /** `range` in descending key order. */
  reverseRange(from?: K, to?: K): IterableIterator<KeyValue<K, V>>
  /** Keys whose serialized bytes start with the prefix's bytes. */
  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): IterableIterator<KeyValue<K, V>>
}

/** Values by key, readable and writable: what a processor connected to the store gets. */
export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  readonly kind: 'keyValue'
  /** A null value deletes the key. */
  put(key: K, value: V | null): void
  /** As `put`, keeping the timestamp beside the value (what DSL aggregations stamp their results with). */
  putWithTimestamp(key: K, value: V | null, timestamp: number): void
  putIfAbsent(key: K, value: V): V | undefined
  delete(key: K): V | undefined
}

export interface WindowStoreEntry<V> {
  readonly windowStart: number
  readonly value: V
  /** The timestamp the value was written with; NO_TIMESTAMP when written by `put`. */
  readonly timestamp: number
}

/** Reads of a window store, as Kafka Streams' ReadOnlyWindowStore. */
export interface ReadOnlyWindowStore<K, V> extends ReadOnlyStateStore {
  readonly kind: 'window'
  readonly retentionMs: number
  fetch(key: K, windowStart: number): V | undefined
  fetchWithTimestamp(key: K, windowStart: number): ValueAndTimestamp<V> | undefined
  /** Windows of the key whose start lies in [timeFrom, timeTo], in start order. */
  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[]
  /** Every window held; a window's `end` here is its start (the store does not know the size). */
  all(): IterableIterator<KeyValue<Windowed<K>, V>>
}

/**
 * Values per key and window start. As Kafka Streams' window stores, a store keeps its own stream time,
 * the largest window start written to it: a window whose start is at or below that time minus the
 * retention is gone, from writes and from reads alike.
 */
export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  readonly kind: 'window'
  put(key: K, value: V | null, windowStart: number): void
  putWithTimestamp(key: K, value: V | null, windowStart: number, timestamp: number): void
  /** Drops windows that started before the time (the store also expires by its own stream time). */
  expire(beforeWindowStart: number): void
}

/** Reads of a session store, as Kafka Streams' ReadOnlySessionStore. */
export interface ReadOnlySessionStore<K, V> extends ReadOnlyStateStore {
  readonly kind: 'session'
  readonly retentionMs: number
  /** Sessions of the key with end >= earliestSessionEnd and start <= latestSessionStart, by end then start. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[]
  fetchSession(key: K, start: number, end: number): V | undefined
  all(): IterableIterator<KeyValue<Windowed<K>, V>>
}

/**
 * Aggregates per key and session window. The store's stream time is the largest session end written:
 * a session whose end is at or below it minus the retention is gone, as in Kafka Streams.
 */
export interface SessionStore<K, V> extends StateStore, ReadOnlySessionStore<K, V> {
  readonly kind: 'session'
  put(session: Windowed<K>, aggregate: V): void
  remove(session: Windowed<K>): void
  expire(beforeSessionEnd: number): void
}

export type AnyReadOnlyStore =
  | ReadOnlyKeyValueStore<unknown, unknown>
  | ReadOnlyWindowStore<unknown, unknown>
  | ReadOnlySessionStore<unknown, unknown>

export type AnyStore =
  KeyValueStore<unknown, unknown> | WindowStore<unknown, unknown> | SessionStore<unknown, unknown>

declare const storeTypes: unique symbol

/**
 * What names a store to a processor: its name and kind, and (as a phantom) its key and value types, so
 * `context.getStateStore(handle)` returns the store's own type. A `StoreSpec` from `Stores` is one.
 */
export interface StoreHandle<
  Name extends string = string,
  K = unknown,
  V = unknown,
  Kind extends StoreKind = StoreKind,
> {
  readonly name: Name
  readonly kind: Kind
  /** Phantom: the key and value types. Never set at runtime. */
  readonly [storeTypes]?: { readonly key: K; readonly value: V }
}

/** The store of a kind, per kind when the kind is a union (an untyped handle). */
type StoreOfKind<Kind extends StoreKind, K, V> = Kind extends 'keyValue'
  ? KeyValueStore<K, V>
  : Kind extends 'window'
    ? WindowStore<K, V>
    : SessionStore<K, V>

/** The store a handle names, as a processor connected to it gets it. */
export type StoreOf<H> =
  H extends StoreHandle<string, infer K, infer V, infer Kind> ? StoreOfKind<Kind, K, V> : never

/** The name of a store given by name or by handle. */
export function storeNameOf(store: string | StoreHandle): string {
  return typeof store === 'string' ? store : store.name
}

/**
 * How a store is made, declared once in the topology and built per task. The type parameters are the
 * handle's: the `Stores` builders fill them in, the topology and runtime read the spec untyped.
 */
export interface StoreSpec<
  Name extends string = string,
  K = unknown,
  V = unknown,
  Kind extends StoreKind = StoreKind,
> extends StoreHandle<Name, K, V, Kind> {
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
