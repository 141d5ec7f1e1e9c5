import type { Database, RootDatabase } from 'lmdb'
import type { KeyValue, Windowed } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { ChangeBuffer } from './changelog.ts'
import { openEnv, syncEnv } from './lmdb-env.ts'
import type { Logged } from './memory-stores.ts'
import {
  keyId,
  NO_TIMESTAMP,
  type SessionStore,
  type ValueAndTimestamp,
  type WindowStore,
  type WindowStoreEntry,
} from './store.ts'
import { deserializeSync, serializeSync } from './sync-serde.ts'

/**
 * Keys in LMDB sort bytewise, so a composite key is the record key's length (4 bytes), its bytes, then
 * big-endian times: all entries of one key sit together, in time order. A second database ordered by
 * time first finds what has expired without scanning every key.
 */
function composite(keyBytes: Buffer, ...times: number[]): Buffer {
  const out = Buffer.allocUnsafe(4 + keyBytes.length + 8 * times.length)
  out.writeUInt32BE(keyBytes.length, 0)
  keyBytes.copy(out, 4)
  times.forEach((t, i) => out.writeBigInt64BE(BigInt(t), 4 + keyBytes.length + 8 * i))
  return out
}

function prefixEnd(keyBytes: Buffer): Buffer {
  return composite(keyBytes, Number.MAX_SAFE_INTEGER)
}

function parse(bytes: Buffer, times: number): { keyBytes: Buffer; times: number[] } {
  const length = bytes.readUInt32BE(0)
  const keyBytes = bytes.subarray(4, 4 + length)
  return {
    keyBytes,
    times: Array.from({ length: times }, (_, i) => Number(bytes.readBigInt64BE(4 + length + 8 * i))),
  }
}

/** The time-first index key: the time, then the composite key it points at. */
function byTime(time: number, compositeKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + compositeKey.length)
  out.writeBigInt64BE(BigInt(time), 0)
  compositeKey.copy(out, 8)
  return out
}

abstract class LmdbTimeStore<K, V> implements Logged {
  readonly persistent = true
  readonly changes: ChangeBuffer | undefined
  protected readonly root: RootDatabase<Buffer, Buffer>
  protected readonly db: Database<Buffer, Buffer>
  protected readonly index: Database<Buffer, Buffer>
  /** Writes not yet in LMDB, by composite key (latin1) — null deletes. */
  protected pending = new Map<string, { composite: Buffer; time: number; value: V | null }>()
  /** The earliest time held, so expiry costs nothing until time passes it. */
  private earliest: number | undefined

  constructor(
    readonly name: string,
    private readonly path: string,
    protected readonly keySerde: Serde<K>,
    protected readonly valueSerde: Serde<V>,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
    this.root = openEnv(path, 4)
    this.db = this.root.openDB<Buffer, Buffer>({ name: 'entries', keyEncoding: 'binary', encoding: 'binary' })
    this.index = this.root.openDB<Buffer, Buffer>({
      name: 'by-time',
      keyEncoding: 'binary',
      encoding: 'binary',
    })
  }

  protected keyBytes(key: K): Buffer {
    return serializeSync(this.keySerde, this.name, key, `store ${this.name} key`)
  }

  protected decodeKey(bytes: Buffer): K {
    return deserializeSync(this.keySerde, this.name, bytes, `store ${this.name} key`)
  }

  protected decodeValue(bytes: Buffer): V {
    return deserializeSync(this.valueSerde, this.name, bytes, `store ${this.name} value`)
  }

  protected read(compositeKey: Buffer): V | undefined {
    const pending = this.pending.get(compositeKey.toString('latin1'))
    if (pending !== undefined) return pending.value ?? undefined
    const bytes = this.db.get(compositeKey)
    return bytes === undefined ? undefined : this.decodeValue(bytes)
  }

  protected write(compositeKey: Buffer, time: number, value: V | null): void {
    this.pending.set(compositeKey.toString('latin1'), { composite: compositeKey, time, value })
    if (value !== null && (this.earliest === undefined || time < this.earliest)) this.earliest = time
  }

  /** Entries between two composite keys, LMDB's and the pending ones merged, in key order. */
  protected range(from: Buffer, to: Buffer): { composite: Buffer; value: V }[] {
    const merged = new Map<string, { composite: Buffer; value: V | null }>()
    for (const { key, value } of this.db.getRange({ start: from, end: to })) {
      merged.set(key.toString('latin1'), { composite: key, value: this.decodeValue(value) })
    }
    for (const [id, p] of this.pending) {
      if (Buffer.compare(p.composite, from) >= 0 && Buffer.compare(p.composite, to) < 0) merged.set(id, p)
    }
    return [...merged.values()]
      .filter((e): e is { composite: Buffer; value: V } => e.value !== null)
      .sort((a, b) => Buffer.compare(a.composite, b.composite))
  }

  /** Deletes every entry whose time is before the bound, through the time index. */
  protected expireBefore(bound: number): void {
    if (this.earliest === undefined) {
      const [first] = [...this.index.getKeys({ limit: 1 })]
      this.earliest = first === undefined ? Number.POSITIVE_INFINITY : Number(first.readBigInt64BE(0))
    }
    if (bound <= this.earliest) return
    this.earliest = undefined
    this.flush()
    const end = Buffer.allocUnsafe(8)
    end.writeBigInt64BE(BigInt(Math.max(0, bound)))
    const expired = [...this.index.getKeys({ end })]
    if (expired.length === 0) return
    this.db.transactionSync(() => {
      for (const key of expired) {
        this.index.removeSync(key)
        this.db.removeSync(key.subarray(8))
      }
    })
  }

  approximateNumEntries(): number {
    return (this.db.getStats() as { entryCount: number }).entryCount + this.pending.size
  }

  flush(): void {
    if (this.pending.size === 0) return
    const pending = this.pending
    this.pending = new Map()
    this.db.transactionSync(() => {
      for (const { composite: key, time, value } of pending.values()) {
        if (value === null) {
          this.db.removeSync(key)
          this.index.removeSync(byTime(time, key))
        } else {
          this.db.putSync(key, serializeSync(this.valueSerde, this.name, value, `store ${this.name} value`))
          this.index.putSync(byTime(time, key), Buffer.alloc(0))
        }
      }
    })
  }

  /** `flush`, then durably: what a checkpoint written next may vouch for. */
  flushToDisk(): void {
    this.flush()
    syncEnv(this.path)
  }

  wipe(): void {
    this.pending.clear()
    this.db.clearSync()
    this.index.clearSync()
  }

  /**
   * Resolves once LMDB closed the environment: until then, opening the same path in this process is
   * handed this environment again (LMDB keeps one per file), whatever became of its files meanwhile.
   */
  close(): Promise<void> {
    this.flush()
    return this.root.close()
  }
}

/** A window store in LMDB: entries by key then window start, expired by start. */
export class LmdbWindowStore<K, V> extends LmdbTimeStore<K, V> implements WindowStore<K, V> {
  readonly kind = 'window'
  /** The largest window start written (Kafka's per-store `observedStreamTime`); not persisted. */
  private observed = NO_TIMESTAMP
  /**
   * Timestamps of values written with one, by composite key. In memory only (LMDB holds value bytes
   * alone): after a restart a window's timestamp is NO_TIMESTAMP until it is written again.
   */
  private readonly timestamps = new Map<string, number>()

  constructor(
    name: string,
    path: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    readonly retentionMs: number,
    logging: boolean,
  ) {
    super(name, path, keySerde, valueSerde, logging)
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.putWithTimestamp(key, value, windowStart, NO_TIMESTAMP)
  }

  putWithTimestamp(key: K, value: V | null, windowStart: number, timestamp: number): void {
    if (!this.store(key, value, windowStart, timestamp)) return
    this.changes?.record(`${keyId(key)}@${windowStart}`, { kind: 'window', key, windowStart, value })
  }

  restore(key: K, value: V | null, windowStart: number): void {
    this.store(key, value, windowStart, NO_TIMESTAMP)
  }

  /** As Kafka's window stores: advance the store's time, skip a window already expired. */
  private store(key: K, value: V | null, windowStart: number, timestamp: number): boolean {
    this.observed = Math.max(this.observed, windowStart)
    if (this.expired(windowStart)) return false
    const at = composite(this.keyBytes(key), windowStart)
    this.write(at, windowStart, value)
    const id = at.toString('latin1')
    if (value === null || timestamp === NO_TIMESTAMP) this.timestamps.delete(id)
    else this.timestamps.set(id, timestamp)
    return true
  }

  private expired(windowStart: number): boolean {
    return windowStart <= this.observed - this.retentionMs
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.fetchWithTimestamp(key, windowStart)?.value
  }

  fetchWithTimestamp(key: K, windowStart: number): ValueAndTimestamp<V> | undefined {
    if (this.expired(windowStart)) return undefined
    const at = composite(this.keyBytes(key), windowStart)
    const value = this.read(at)
    return value === undefined
      ? undefined
      : { value, timestamp: this.timestamps.get(at.toString('latin1')) ?? NO_TIMESTAMP }
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreEntry<V>[] {
    const kb = this.keyBytes(key)
    const from = Math.max(0, timeFrom, this.observed - this.retentionMs + 1)
    if (timeTo < from) return []
    return this.range(composite(kb, from), composite(kb, timeTo + 1)).map((e) => ({
      windowStart: parse(e.composite, 1).times[0] ?? 0,
      value: e.value,
      timestamp: this.timestamps.get(e.composite.toString('latin1')) ?? NO_TIMESTAMP,
    }))
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    this.flush()
    for (const { key, value } of this.db.getRange()) {
      const { keyBytes, times } = parse(key, 1)
      const start = times[0] ?? 0
      if (this.expired(start)) continue
      yield {
        key: { key: this.decodeKey(keyBytes), window: { start, end: start } },
        value: this.decodeValue(value),
      }
    }
  }

  expire(beforeWindowStart: number): void {
    this.expireBefore(beforeWindowStart)
  }

  override wipe(): void {
    super.wipe()
    this.timestamps.clear()
  }
}

/** A session store in LMDB: entries by key, then session end and start; expired by end. */
export class LmdbSessionStore<K, V> extends LmdbTimeStore<K, V> implements SessionStore<K, V> {
  readonly kind = 'session'

  constructor(
    name: string,
    path: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    readonly retentionMs: number,
    logging: boolean,
  ) {
    super(name, path, keySerde, valueSerde, logging)
  }

  /** The largest session end written (Kafka's per-store `observedStreamTime`); not persisted. */
  private observed = NO_TIMESTAMP

  private expired(end: number): boolean {
    return end <= this.observed - this.retentionMs
  }

  /** Composite keys order a key's sessions by end, then start: the order Kafka's session stores find them in. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] {
    const kb = this.keyBytes(key)
    const from = Math.max(0, earliestSessionEnd, this.observed - this.retentionMs + 1)
    return this.range(composite(kb, from, 0), prefixEnd(kb))
      .map((e) => {
        const [end = 0, start = 0] = parse(e.composite, 2).times
        return { key: { key, window: { start, end } }, value: e.value }
      })
      .filter((s) => s.key.window.start <= latestSessionStart)
  }

  fetchSession(key: K, start: number, end: number): V | undefined {
    if (this.expired(end)) return undefined
    return this.read(composite(this.keyBytes(key), end, start))
  }

  put(session: Windowed<K>, aggregate: V): void {
    this.observed = Math.max(this.observed, session.window.end)
    if (this.expired(session.window.end)) return
    this.apply(session, aggregate)
    this.changes?.record(`${keyId(session.key)}@${session.window.start}-${session.window.end}`, {
      kind: 'session',
      session,
      value: aggregate,
    })
  }

  remove(session: Windowed<K>): void {
    this.apply(session, null)
    this.changes?.record(`${keyId(session.key)}@${session.window.start}-${session.window.end}`, {
      kind: 'session',
      session,
      value: null,
    })
  }

  restore(session: Windowed<K>, aggregate: V | null): void {
    this.observed = Math.max(this.observed, session.window.end)
    this.apply(session, aggregate)
  }

  private apply(session: Windowed<K>, value: V | null): void {
    this.write(
      composite(this.keyBytes(session.key), session.window.end, session.window.start),
      session.window.end,
      value,
    )
  }

  *all(): IterableIterator<KeyValue<Windowed<K>, V>> {
    this.flush()
    for (const { key, value } of this.db.getRange()) {
      const { keyBytes, times } = parse(key, 2)
      const [end = 0, start = 0] = times
      if (this.expired(end)) continue
      yield { key: { key: this.decodeKey(keyBytes), window: { start, end } }, value: this.decodeValue(value) }
    }
  }

  expire(beforeSessionEnd: number): void {
    this.expireBefore(beforeSessionEnd)
  }
}
