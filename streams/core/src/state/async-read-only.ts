import type { Serde } from '@oxagry/kafka'
import type { KeyValue, Windowed } from '../record.ts'
import type {
  ReadOnlyKeyValueStore,
  ReadOnlySessionStore,
  ReadOnlyWindowStore,
  StoreKind,
  ValueAndTimestamp,
  WindowStoreEntry,
} from './store.ts'

/**
 * Reads of a key-value store that answer with promises, so the answer may come from wherever the store
 * lives now: the view finds the store's instances again on every call (a rebalance moves them between
 * tasks), and fails with a retriable `OXA_STREAMS_NOT_AVAILABLE` while they are moving.
 */
export interface AsyncReadOnlyKeyValueStore<K, V> {
  readonly name: string
  readonly kind: 'keyValue'
  approximateNumEntries(): Promise<number>
  get(key: K): Promise<V | undefined>
  getWithTimestamp(key: K): Promise<ValueAndTimestamp<V> | undefined>
  all(): AsyncIterableIterator<KeyValue<K, V>>
  reverseAll(): AsyncIterableIterator<KeyValue<K, V>>
  range(from?: K, to?: K): AsyncIterableIterator<KeyValue<K, V>>
  reverseRange(from?: K, to?: K): AsyncIterableIterator<KeyValue<K, V>>
  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): AsyncIterableIterator<KeyValue<K, V>>
}

export interface AsyncReadOnlyWindowStore<K, V> {
  readonly name: string
  readonly kind: 'window'
  approximateNumEntries(): Promise<number>
  fetch(key: K, windowStart: number): Promise<V | undefined>
  fetchWithTimestamp(key: K, windowStart: number): Promise<ValueAndTimestamp<V> | undefined>
  fetchRange(key: K, timeFrom: number, timeTo: number): Promise<WindowStoreEntry<V>[]>
  all(): AsyncIterableIterator<KeyValue<Windowed<K>, V>>
}

export interface AsyncReadOnlySessionStore<K, V> {
  readonly name: string
  readonly kind: 'session'
  approximateNumEntries(): Promise<number>
  findSessions(
    key: K,
    earliestSessionEnd: number,
    latestSessionStart: number,
  ): Promise<KeyValue<Windowed<K>, V>[]>
  fetchSession(key: K, start: number, end: number): Promise<V | undefined>
  all(): AsyncIterableIterator<KeyValue<Windowed<K>, V>>
}

export type AnyAsyncReadOnlyStore =
  | AsyncReadOnlyKeyValueStore<unknown, unknown>
  | AsyncReadOnlyWindowStore<unknown, unknown>
  | AsyncReadOnlySessionStore<unknown, unknown>

/** The store's instances as they are at the call; throws when they cannot be read now. */
export type StoreResolver<S> = () => S

/** A call on the store as it is now, answered as a promise (a resolver's throw becomes a rejection). */
function call<S, T>(resolve: StoreResolver<S>, read: (store: S) => T): Promise<T> {
  return new Promise<T>((done) => done(read(resolve())))
}

async function* stream<S, T>(
  resolve: StoreResolver<S>,
  read: (store: S) => Iterable<T>,
): AsyncIterableIterator<T> {
  yield* read(resolve())
}

export function asyncKeyValue<K, V>(
  name: string,
  resolve: StoreResolver<ReadOnlyKeyValueStore<K, V>>,
): AsyncReadOnlyKeyValueStore<K, V> {
  return Object.freeze({
    name,
    kind: 'keyValue' as const,
    approximateNumEntries: () => call(resolve, (s) => s.approximateNumEntries()),
    get: (key: K) => call(resolve, (s) => s.get(key)),
    getWithTimestamp: (key: K) => call(resolve, (s) => s.getWithTimestamp(key)),
    all: () => stream(resolve, (s) => s.all()),
    reverseAll: () => stream(resolve, (s) => s.reverseAll()),
    range: (from?: K, to?: K) => stream(resolve, (s) => s.range(from, to)),
    reverseRange: (from?: K, to?: K) => stream(resolve, (s) => s.reverseRange(from, to)),
    prefixScan: <P>(prefix: P, serde: Serde<P>) => stream(resolve, (s) => s.prefixScan(prefix, serde)),
  })
}

export function asyncWindow<K, V>(
  name: string,
  resolve: StoreResolver<ReadOnlyWindowStore<K, V>>,
): AsyncReadOnlyWindowStore<K, V> {
  return Object.freeze({
    name,
    kind: 'window' as const,
    approximateNumEntries: () => call(resolve, (s) => s.approximateNumEntries()),
    fetch: (key: K, start: number) => call(resolve, (s) => s.fetch(key, start)),
    fetchWithTimestamp: (key: K, start: number) => call(resolve, (s) => s.fetchWithTimestamp(key, start)),
    fetchRange: (key: K, from: number, to: number) => call(resolve, (s) => s.fetchRange(key, from, to)),
    all: () => stream(resolve, (s) => s.all()),
  })
}

export function asyncSession<K, V>(
  name: string,
  resolve: StoreResolver<ReadOnlySessionStore<K, V>>,
): AsyncReadOnlySessionStore<K, V> {
  return Object.freeze({
    name,
    kind: 'session' as const,
    approximateNumEntries: () => call(resolve, (s) => s.approximateNumEntries()),
    findSessions: (key: K, earliestEnd: number, latestStart: number) =>
      call(resolve, (s) => s.findSessions(key, earliestEnd, latestStart)),
    fetchSession: (key: K, start: number, end: number) =>
      call(resolve, (s) => s.fetchSession(key, start, end)),
    all: () => stream(resolve, (s) => s.all()),
  })
}

/** The async view of a kind, as `KafkaStreams.asyncStore` hands it out. */
export function asyncView(
  kind: StoreKind,
  name: string,
  resolve: StoreResolver<unknown>,
): AnyAsyncReadOnlyStore {
  switch (kind) {
    case 'keyValue':
      return asyncKeyValue(name, resolve as StoreResolver<ReadOnlyKeyValueStore<unknown, unknown>>)
    case 'window':
      return asyncWindow(name, resolve as StoreResolver<ReadOnlyWindowStore<unknown, unknown>>)
    case 'session':
      return asyncSession(name, resolve as StoreResolver<ReadOnlySessionStore<unknown, unknown>>)
  }
}
