import type { KeyValue, Windowed } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { ChangeBuffer } from './changelog.ts'
import { compareKeyBytes, hasPrefix, inRange, lowerBound } from './key-order.ts'
import {
  keyId,
  NO_TIMESTAMP,
  type KeyValueStore,
  type SessionStore,
  type ValueAndTimestamp,
  type WindowStore,
  type WindowStoreEntry,
} from './store.ts'
import { serializeSync } from './sync-serde.ts'

/** A store whose changes can be drained for its changelog and replayed from it. */
export interface Logged {
  readonly changes: ChangeBuffer | undefined
}

interface KeyValueEntry<K, V> {
  readonly key: K
  readonly value: V
  readonly timestamp: number
  /** The key's serialized bytes: what iteration is ordered by. */
  readonly bytes: Buffer
}

/** See InMemoryKeyValueStore.keptSorted. */
const UNREAD_WRITES_BEFORE_UNSORTING = 1024

/** Where the key's bytes sit in the order, or -1. */
function indexOf(sorted: readonly { readonly bytes: Buffer }[], bytes: Buffer): number {
  const at = lowerBound(sorted, bytes)
  const found = sorted[at]
  return found !== undefined && compareKeyBytes(found.bytes, bytes) === 0 ? at : -1
}

export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V>, Logged {
  readonly kind = 'keyValue'
  readonly persistent: boolean = false
  readonly changes: ChangeBuffer | undefined
  protected readonly map = new Map<string, KeyValueEntry<K, V>>()
  /** The entries in key-byte order, sorted once and then kept in order as keys come and go. */
  private sorted: KeyValueEntry<K, V>[] | undefined
  private writesSinceOrderedRead = 0
  /**
   * What `all()` hands out, until the next write: a store read whole far more often than written (a
   * global table of geofences scanned for every fix) then allocates nothing per entry and read.
   */
  private snapshot: readonly KeyValue<K, V>[] | undefined

  /**
   * Without a key serde (a processor-API store declared with none and no default), keys are ordered by
   * their identity string instead of their bytes: still deterministic, no longer Kafka's order.
   */
  constructor(
    readonly name: string,
    logging: boolean,
    private readonly keySerde?: Serde<K>,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
  }

  private bytesOf(key: K): Buffer {
    return this.keySerde === undefined
      ? Buffer.from(keyId(key), 'utf8')
      : serializeSync(this.keySerde, this.name, key, `store ${this.name} key`)
  }

  get(key: K): V | undefined {
    return this.map.get(keyId(key))?.value
  }

  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined {
    const entry = this.map.get(keyId(key))
    return entry === undefined ? undefined : { value: entry.value, timestamp: entry.timestamp }
  }

  put(key: K, value: V | null): void {
    this.putWithTimestamp(key, value, NO_TIMESTAMP)
  }

  putWithTimestamp(key: K, value: V | null, timestamp: number): void {
    const id = keyId(key)
    this.apply(id, key, value, timestamp)
    this.changes?.record(id, { kind: 'keyValue', key, value })
  }

  private apply(id: string, key: K, value: V | null, timestamp: number): void {
    this.snapshot = undefined
    const existing = this.map.get(id)
    const sorted = this.keptSorted()
    if (value === null) {
      if (existing !== undefined) {
        this.map.delete(id)
        // Keep the order rather than sort again: a join buffer adds and drops keys on every record.
        if (sorted !== undefined) {
          const at = indexOf(sorted, existing.bytes)
          if (at >= 0) sorted.splice(at, 1)
        }
      }
      return
    }
    const bytes = existing?.bytes ?? this.bytesOf(key)
    const entry = { key, value, timestamp, bytes }
    this.map.set(id, entry)
    if (sorted === undefined) return
    if (existing === undefined) {
      sorted.splice(lowerBound(sorted, bytes), 0, entry)
    } else {
      // Same key, same place in the order: patch the cached entry instead of sorting again.
      const at = indexOf(sorted, bytes)
      if (at >= 0) sorted[at] = entry
    }
  }

  /**
   * The order to keep up to date through a change, or none: a store iterated once (a processor indexing
   * it at start) and then only written would pay a binary search and an array splice on every write for
   * nothing, so the order is dropped after that many writes without a read, and sorted again if one comes.
   */
  private keptSorted(): KeyValueEntry<K, V>[] | undefined {
    if (this.sorted === undefined) return undefined
    if (++this.writesSinceOrderedRead <= UNREAD_WRITES_BEFORE_UNSORTING) return this.sorted
    this.sorted = undefined
    return undefined
  }

  private ordered(): KeyValueEntry<K, V>[] {
    this.writesSinceOrderedRead = 0
    this.sorted ??= [...this.map.values()].sort((a, b) => compareKeyBytes(a.bytes, b.bytes))
    return this.sorted
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const existing = this.get(key)
    if (existing === undefined) this.put(key, value)
    return existing
  }

  delete(key: K): V | undefined {
    const existing = this.get(key)
    this.put(key, null)
    return existing
  }

  all(): IterableIterator<KeyValue<K, V>> {
    this.snapshot ??= this.ordered().map((e) => ({ key: e.key, value: e.value }))
    return this.snapshot[Symbol.iterator]()
  }

  range(from?: K, to?: K): IterableIterator<KeyValue<K, V>> {
    return inRange(this.ordered(), this.bound(from), this.bound(to), false)
  }

  reverseAll(): IterableIterator<KeyValue<K, V>> {
    return this.reverseRange()
  }

  reverseRange(from?: K, to?: K): IterableIterator<KeyValue<K, V>> {
    return inRange(this.ordered(), this.bound(from), this.bound(to), true)
  }

  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): IterableIterator<KeyValue<K, V>> {
    const bytes = serializeSync(prefixSerde, this.name, prefix, `store ${this.name} prefix`)
    const sorted = this.ordered()
    const out: KeyValue<K, V>[] = []
    for (let at = lowerBound(sorted, bytes); at < sorted.length; at++) {
      const entry = sorted[at] as KeyValueEntry<K, V>
      if (!hasPrefix(entry.bytes, bytes)) break
      out.push({ key: entry.key, value: entry.value })
    }
    return out[Symbol.iterator]()
  }

  private bound(key: K | undefined): Buffer | undefined {
    return key === undefined ? undefined : this.bytesOf(key)
  }

  /** Replays a changelog record: no logging, the changelog already holds it. */
  restore(key: K, value: V | null): void {
    this.apply(keyId(key), key, value, NO_TIMESTAMP)
  }

  approximateNumEntries(): number {
    return this.map.size
  }

  flush(): void {}

  close(): void {
    this.map.clear()
    this.sorted = undefined
    this.snapshot = undefined
  }
}

export class InMemoryWindowStore<K, V> implements WindowStore<K, V>, Logged {
  readonly kind = 'window'
  readonly persistent = false
  readonly changes: ChangeBuffer | undefined
  private readonly byKey = new Map<string, { key: K; windows: Map<number, ValueAndTimestamp<V>> }>()
  private count = 0
  /** The earliest window start held: expiry scans nothing until time passes it. */
  private earliest = Number.POSITIVE_INFINITY
  /** The largest window start written (Kafka's per-store `observedStreamTime`). */
  private observed = NO_TIMESTAMP

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.putWithTimestamp(key, value, windowStart, NO_TIMESTAMP)
  }

  putWithTimestamp(key: K, value: V | null, windowStart: number, timestamp: number): void {
    if (!this.write(key, value, windowStart, timestamp)) return
    this.changes?.record(`${keyId(key)}@${windowStart}`, { kind: 'window', key, windowStart, value })
  }

  restore(key: K, value: V | null, windowStart: number): void {
    this.write(key, value, windowStart, NO_TIMESTAMP)
  }

  /** Kafka's InMemoryWindowStore.put: expire, advance the store's time, skip a window already expired. */
  private write(key: K, value: V | null, windowStart: number, timestamp: number): boolean {
    this.expireByTime()
    this.observed = Math.max(this.observed, windowStart)
    if (this.expired(windowStart)) return false
    this.apply(keyId(key), key, value === null ? null : { value, timestamp }, windowStart)
    return true
  }

  private expired(windowStart: number): boolean {
    return windowStart <= this.observed - this.retentionMs
  }

  private expireByTime(): void {
    this.expire(Math.max(0, this.observed - this.retentionMs + 1))
  }

  private apply(id: string, key: K, value: ValueAndTimestamp<V> | null, windowStart: number): void {
    let entry = this.byKey.get(id)
    if (value === null) {
      if (entry?.windows.delete(windowStart) === true) {
        this.count--
        if (entry.windows.size === 0) this.byKey.delete(id)
      }
      return
    }
    if (entry === undefined) {
      entry = { key, windows: new Map() }
      this.byKey.set(id, entry)
    }
    if (!entry.windows.has(windowStart)) this.count++
    entry.windows.set(windowStart, value)
    if (windowStart < this.earliest) this.earliest = windowStart
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.fetchWithTimestamp(key, windowStart)?.value
  }

  fetchWithTimestamp(key: K, windowStart: number): ValueAndTimestamp<V> | undefined {
    this.expireByTime()
    if (this.expired(windowStart)) return undefined
    return this.byKey.get(keyId(key))?.windows.get(windowStart)
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[] {
    this.expireByTime()
    const entry = this.byKey.get(keyId(key))
    if (entry === undefined) return []
    const from = Math.max(timeFrom, this.observed - this.retentionMs + 1)
    const out: WindowStoreEntry<V>[] = []
    for (const [windowStart, { value, timestamp }] of entry.windows) {
      if (windowStart >= from && windowStart <= timeTo) out.push({ windowStart, value, timestamp })
    }
    return out.sort((a, b) => a.windowStart - b.windowStart)
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    this.expireByTime()
    for (const { key, windows } of this.byKey.values()) {
      for (const [start, { value }] of windows) {
        if (!this.expired(start)) yield { key: { key, window: { start, end: start } }, value }
      }
    }
  }

  expire(beforeWindowStart: number): void {
    if (beforeWindowStart <= this.earliest) return
    let earliest = Number.POSITIVE_INFINITY
    for (const [id, entry] of this.byKey) {
      for (const start of entry.windows.keys()) {
        if (start < beforeWindowStart) {
          entry.windows.delete(start)
          this.count--
        } else if (start < earliest) earliest = start
      }
      if (entry.windows.size === 0) this.byKey.delete(id)
    }
    this.earliest = earliest
  }

  approximateNumEntries(): number {
    return this.count
  }

  flush(): void {}

  close(): void {
    this.byKey.clear()
  }
}

interface Session<V> {
  readonly start: number
  readonly end: number
  readonly value: V
}

export class InMemorySessionStore<K, V> implements SessionStore<K, V>, Logged {
  readonly kind = 'session'
  readonly persistent = false
  readonly changes: ChangeBuffer | undefined
  private readonly byKey = new Map<string, { key: K; sessions: Session<V>[] }>()
  private count = 0
  /** The earliest session end held: expiry scans nothing until time passes it. */
  private earliestEnd = Number.POSITIVE_INFINITY

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
  }

  /** The largest session end written (Kafka's per-store `observedStreamTime`). */
  private observed = NO_TIMESTAMP

  private expireByTime(): void {
    this.expire(Math.max(0, this.observed - this.retentionMs + 1))
  }

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] {
    this.expireByTime()
    const entry = this.byKey.get(keyId(key))
    if (entry === undefined) return []
    return entry.sessions
      .filter((s) => s.end >= earliestSessionEnd && s.start <= latestSessionStart)
      .map((s) => ({ key: { key: entry.key, window: { start: s.start, end: s.end } }, value: s.value }))
  }

  fetchSession(key: K, start: number, end: number): V | undefined {
    this.expireByTime()
    if (end <= this.observed - this.retentionMs) return undefined
    return this.byKey.get(keyId(key))?.sessions.find((s) => s.start === start && s.end === end)?.value
  }

  /** Kafka's InMemorySessionStore.put: expire, advance the store's time, skip a session already expired. */
  put(session: Windowed<K>, aggregate: V): void {
    this.expireByTime()
    this.observed = Math.max(this.observed, session.window.end)
    if (session.window.end <= this.observed - this.retentionMs) return
    this.apply(session, aggregate)
    this.log(session, aggregate)
  }

  remove(session: Windowed<K>): void {
    this.apply(session, null)
    this.log(session, null)
  }

  restore(session: Windowed<K>, aggregate: V | null): void {
    this.observed = Math.max(this.observed, session.window.end)
    this.apply(session, aggregate)
  }

  private log(session: Windowed<K>, value: V | null): void {
    const id = `${keyId(session.key)}@${session.window.start}-${session.window.end}`
    this.changes?.record(id, { kind: 'session', session, value })
  }

  private apply(session: Windowed<K>, value: V | null): void {
    const id = keyId(session.key)
    let entry = this.byKey.get(id)
    const { start, end } = session.window
    const at = entry?.sessions.findIndex((s) => s.start === start && s.end === end) ?? -1
    if (value === null) {
      if (entry !== undefined && at >= 0) {
        entry.sessions.splice(at, 1)
        this.count--
        if (entry.sessions.length === 0) this.byKey.delete(id)
      }
      return
    }
    if (entry === undefined) {
      entry = { key: session.key, sessions: [] }
      this.byKey.set(id, entry)
    }
    if (at >= 0) {
      entry.sessions[at] = { start, end, value }
      return
    }
    entry.sessions.push({ start, end, value })
    // Kafka's session stores find sessions by end, then start: a merge folds them in that order.
    entry.sessions.sort((a, b) => a.end - b.end || a.start - b.start)
    this.count++
    if (end < this.earliestEnd) this.earliestEnd = end
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    this.expireByTime()
    for (const { key, sessions } of this.byKey.values()) {
      for (const s of sessions) yield { key: { key, window: { start: s.start, end: s.end } }, value: s.value }
    }
  }

  expire(beforeSessionEnd: number): void {
    if (beforeSessionEnd <= this.earliestEnd) return
    let earliest = Number.POSITIVE_INFINITY
    for (const [id, entry] of this.byKey) {
      const kept = entry.sessions.filter((s) => s.end >= beforeSessionEnd)
      this.count -= entry.sessions.length - kept.length
      for (const s of kept) if (s.end < earliest) earliest = s.end
      if (kept.length === 0) this.byKey.delete(id)
      else entry.sessions = kept
    }
    this.earliestEnd = earliest
  }

  approximateNumEntries(): number {
    return this.count
  }

  flush(): void {}

  close(): void {
    this.byKey.clear()
  }
}
