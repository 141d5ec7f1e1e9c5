import type { KeyValue, Windowed } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type {
  AnyReadOnlyStore,
  AnyStore,
  ReadOnlyKeyValueStore,
  ReadOnlySessionStore,
  ReadOnlyWindowStore,
  StateStore,
  ValueAndTimestamp,
  WindowStoreEntry,
} from './store.ts'

function* chain<T>(parts: readonly (() => Iterable<T>)[]): IterableIterator<T> {
  for (const part of parts) yield* part()
}

function toIterator<T>(items: Iterable<T>): IterableIterator<T> {
  const iterator = items[Symbol.iterator]()
  return Symbol.iterator in iterator ? (iterator as IterableIterator<T>) : chain([() => items])
}

function first<T>(stores: readonly unknown[], read: (i: number) => T | undefined): T | undefined {
  for (let i = 0; i < stores.length; i++) {
    const found = read(i)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * One read-only view over a store's local instances (one per task, or the global one), as Kafka's
 * CompositeReadOnlyKeyValueStore: a key is looked up in each instance in turn; iteration runs through
 * each instance in turn, in key-byte order within one. Nothing in it writes, whatever the caller casts.
 */
export function readOnlyKeyValue<K, V>(
  name: string,
  stores: readonly ReadOnlyKeyValueStore<K, V>[],
): ReadOnlyKeyValueStore<K, V> {
  const each = (
    f: (s: ReadOnlyKeyValueStore<K, V>) => Iterable<KeyValue<K, V>>,
  ): IterableIterator<KeyValue<K, V>> => {
    // One instance (a global store, or one task's): its own iterator, without a generator around it.
    const only = stores.length === 1 ? stores[0] : undefined
    return only === undefined ? chain(stores.map((s) => () => f(s))) : toIterator(f(only))
  }
  return Object.freeze({
    name,
    kind: 'keyValue' as const,
    approximateNumEntries: () => stores.reduce((n, s) => n + s.approximateNumEntries(), 0),
    get: (key: K): V | undefined => first(stores, (i) => stores[i]?.get(key)),
    getWithTimestamp: (key: K): ValueAndTimestamp<V> | undefined =>
      first(stores, (i) => stores[i]?.getWithTimestamp(key)),
    all: () => each((s) => s.all()),
    reverseAll: () => each((s) => s.reverseAll()),
    range: (from?: K, to?: K) => each((s) => s.range(from, to)),
    reverseRange: (from?: K, to?: K) => each((s) => s.reverseRange(from, to)),
    prefixScan: <P>(prefix: P, serde: Serde<P>) => each((s) => s.prefixScan(prefix, serde)),
  })
}

export function readOnlyWindow<K, V>(
  name: string,
  retentionMs: number,
  stores: readonly ReadOnlyWindowStore<K, V>[],
): ReadOnlyWindowStore<K, V> {
  return Object.freeze({
    name,
    kind: 'window' as const,
    retentionMs,
    approximateNumEntries: () => stores.reduce((n, s) => n + s.approximateNumEntries(), 0),
    fetch: (key: K, start: number): V | undefined => first(stores, (i) => stores[i]?.fetch(key, start)),
    fetchWithTimestamp: (key: K, start: number): ValueAndTimestamp<V> | undefined =>
      first(stores, (i) => stores[i]?.fetchWithTimestamp(key, start)),
    fetchRange: (key: K, from: number, to: number): WindowStoreEntry<V>[] =>
      stores.flatMap((s) => s.fetchRange(key, from, to)),
    all: (): IterableIterator<KeyValue<Windowed<K>, V>> => chain(stores.map((s) => () => s.all())),
  })
}

export function readOnlySession<K, V>(
  name: string,
  retentionMs: number,
  stores: readonly ReadOnlySessionStore<K, V>[],
): ReadOnlySessionStore<K, V> {
  return Object.freeze({
    name,
    kind: 'session' as const,
    retentionMs,
    approximateNumEntries: () => stores.reduce((n, s) => n + s.approximateNumEntries(), 0),
    findSessions: (key: K, earliestEnd: number, latestStart: number) =>
      stores.flatMap((s) => s.findSessions(key, earliestEnd, latestStart)),
    fetchSession: (key: K, start: number, end: number): V | undefined =>
      first(stores, (i) => stores[i]?.fetchSession(key, start, end)),
    all: (): IterableIterator<KeyValue<Windowed<K>, V>> => chain(stores.map((s) => () => s.all())),
  })
}

/** A read-only view of one store instance. */
export function readOnlyView(store: AnyStore): AnyReadOnlyStore {
  switch (store.kind) {
    case 'keyValue':
      return readOnlyKeyValue(store.name, [store])
    case 'window':
      return readOnlyWindow(store.name, store.retentionMs, [store])
    case 'session':
      return readOnlySession(store.name, store.retentionMs, [store])
  }
}

/**
 * A global store as a stream task's processors see it, as Kafka's read-only decorators: every read
 * answers, every write fails (only the global store's own processor writes it).
 */
export function readOnlyGlobal<S extends StateStore>(store: AnyStore): S {
  const view = readOnlyView(store) as unknown as Record<string, unknown>
  const refuse = (method: string) => (): never => {
    throw new StreamsError(
      STREAMS_ERROR_CODES.STATE,
      `global store ${store.name} is read only: ${method} belongs to its own global processor`,
      { context: { store: store.name } },
    )
  }
  const writes = ['put', 'putWithTimestamp', 'putIfAbsent', 'delete', 'remove', 'expire', 'flush', 'close']
  return Object.freeze({
    ...view,
    persistent: store.persistent,
    ...Object.fromEntries(writes.map((m) => [m, refuse(m)])),
  }) as unknown as S
}
