import type { KeyValue, Windowed } from '../record.ts'
import { ChangeBuffer } from './changelog.ts'
import {
  keyId,
  type KeyValueStore,
  type SessionStore,
  type WindowStore,
  type WindowStoreEntry,
} from './store.ts'

/** A store whose changes can be drained for its changelog and replayed from it. */
export interface Logged {
  readonly changes: ChangeBuffer | undefined
}

export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V>, Logged {
  readonly kind = 'keyValue'
  readonly persistent: boolean = false
  readonly changes: ChangeBuffer | undefined
  protected readonly map = new Map<string, { key: K; value: V }>()

  constructor(
    readonly name: string,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
  }

  get(key: K): V | undefined {
    return this.map.get(keyId(key))?.value
  }

  put(key: K, value: V | null): void {
    const id = keyId(key)
    if (value === null) this.map.delete(id)
    else this.map.set(id, { key, value })
    this.changes?.record(id, { kind: 'keyValue', key, value })
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

  *all(): IterableIterator<KeyValue<K, V>> {
    for (const { key, value } of this.map.values()) yield { key, value }
  }

  /** Replays a changelog record: no logging, the changelog already holds it. */
  restore(key: K, value: V | null): void {
    const id = keyId(key)
    if (value === null) this.map.delete(id)
    else this.map.set(id, { key, value })
  }

  approximateNumEntries(): number {
    return this.map.size
  }

  flush(): void {}

  close(): void {
    this.map.clear()
  }
}

export class InMemoryWindowStore<K, V> implements WindowStore<K, V>, Logged {
  readonly kind = 'window'
  readonly persistent = false
  readonly changes: ChangeBuffer | undefined
  private readonly byKey = new Map<string, { key: K; windows: Map<number, V> }>()
  private count = 0
  /** The earliest window start held: expiry scans nothing until time passes it. */
  private earliest = Number.POSITIVE_INFINITY

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
  }

  put(key: K, value: V | null, windowStart: number): void {
    const id = keyId(key)
    this.apply(id, key, value, windowStart)
    this.changes?.record(`${id}@${windowStart}`, { kind: 'window', key, windowStart, value })
  }

  restore(key: K, value: V | null, windowStart: number): void {
    this.apply(keyId(key), key, value, windowStart)
  }

  private apply(id: string, key: K, value: V | null, windowStart: number): void {
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
    return this.byKey.get(keyId(key))?.windows.get(windowStart)
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[] {
    const entry = this.byKey.get(keyId(key))
    if (entry === undefined) return []
    const out: WindowStoreEntry<V>[] = []
    for (const [windowStart, value] of entry.windows) {
      if (windowStart >= timeFrom && windowStart <= timeTo) out.push({ windowStart, value })
    }
    return out.sort((a, b) => a.windowStart - b.windowStart)
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    for (const { key, windows } of this.byKey.values()) {
      for (const [start, value] of windows) yield { key: { key, window: { start, end: start } }, value }
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

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] {
    const entry = this.byKey.get(keyId(key))
    if (entry === undefined) return []
    return entry.sessions
      .filter((s) => s.end >= earliestSessionEnd && s.start <= latestSessionStart)
      .map((s) => ({ key: { key: entry.key, window: { start: s.start, end: s.end } }, value: s.value }))
  }

  fetchSession(key: K, start: number, end: number): V | undefined {
    return this.byKey.get(keyId(key))?.sessions.find((s) => s.start === start && s.end === end)?.value
  }

  put(session: Windowed<K>, aggregate: V): void {
    this.apply(session, aggregate)
    this.log(session, aggregate)
  }

  remove(session: Windowed<K>): void {
    this.apply(session, null)
    this.log(session, null)
  }

  restore(session: Windowed<K>, aggregate: V | null): void {
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
    entry.sessions.sort((a, b) => a.start - b.start)
    this.count++
    if (end < this.earliestEnd) this.earliestEnd = end
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
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
