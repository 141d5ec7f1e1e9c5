import type { Database, RootDatabase } from 'lmdb'
import type { KeyValue } from '../record.ts'
import type { Serde } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { ChangeBuffer } from './changelog.ts'
import { openEnv, syncEnv } from './lmdb-env.ts'
import type { Logged } from './memory-stores.ts'
import { hasPrefix } from './key-order.ts'
import { keyId, NO_TIMESTAMP, type KeyValueStore, type ValueAndTimestamp } from './store.ts'
import { deserializeSync, serializeSync } from './sync-serde.ts'

interface Pending<K, V> {
  readonly key: K
  readonly value: V | null
}

/**
 * A key-value store in LMDB (memory-mapped B+tree, prebuilt binaries, synchronous reads), behind a
 * write-back buffer: writes land in memory and reach LMDB in one transaction per flush, which the
 * task runs at commit after the changelog is safe, without a sync (see `openEnv`).
 */
export class LmdbKeyValueStore<K, V> implements KeyValueStore<K, V>, Logged {
  readonly kind = 'keyValue'
  readonly persistent = true
  readonly changes: ChangeBuffer | undefined
  private readonly root: RootDatabase<Buffer, Buffer>
  private readonly db: Database<Buffer, Buffer>
  private pending = new Map<string, Pending<K, V>>()
  /**
   * Timestamps of values written with one, by key identity. Kept in memory only: LMDB holds the value
   * bytes alone (the on-disk format predates timestamps), so after a restart a value's timestamp is
   * NO_TIMESTAMP until it is written again.
   */
  private readonly timestamps = new Map<string, number>()
  private readonly topic: string

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    logging: boolean,
  ) {
    this.changes = logging ? new ChangeBuffer() : undefined
    this.root = openEnv(path)
    this.db = this.root
    this.topic = name
  }

  private keyBytes(key: K): Buffer {
    return serializeSync(this.keySerde, this.topic, key, `store ${this.name} key`)
  }

  get(key: K): V | undefined {
    const pending = this.pending.get(keyId(key))
    if (pending !== undefined) return pending.value ?? undefined
    const bytes = this.db.get(this.keyBytes(key))
    return bytes === undefined
      ? undefined
      : deserializeSync(this.valueSerde, this.topic, bytes, `store ${this.name} value`)
  }

  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined {
    const value = this.get(key)
    return value === undefined
      ? undefined
      : { value, timestamp: this.timestamps.get(keyId(key)) ?? NO_TIMESTAMP }
  }

  put(key: K, value: V | null): void {
    this.putWithTimestamp(key, value, NO_TIMESTAMP)
  }

  putWithTimestamp(key: K, value: V | null, timestamp: number): void {
    // LMDB holds no empty key; Kafka's stores do. Say so at the write, not at the next flush.
    if (this.keyBytes(key).length === 0) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.STATE,
        `persistent store ${this.name} cannot hold a key that serializes to no bytes; use an in-memory store for such keys`,
        { context: { store: this.name } },
      )
    }
    const id = keyId(key)
    this.pending.set(id, { key, value })
    if (value === null || timestamp === NO_TIMESTAMP) this.timestamps.delete(id)
    else this.timestamps.set(id, timestamp)
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

  restore(key: K, value: V | null): void {
    this.timestamps.delete(keyId(key))
    this.pending.set(keyId(key), { key, value })
  }

  all(): IterableIterator<KeyValue<K, V>> {
    return this.scan(undefined, undefined, false)
  }

  range(from?: K, to?: K): IterableIterator<KeyValue<K, V>> {
    return this.scan(from, to, false)
  }

  reverseAll(): IterableIterator<KeyValue<K, V>> {
    return this.reverseRange()
  }

  reverseRange(from?: K, to?: K): IterableIterator<KeyValue<K, V>> {
    return this.scan(from, to, true)
  }

  *prefixScan<P>(prefix: P, prefixSerde: Serde<P>): IterableIterator<KeyValue<K, V>> {
    const bytes = serializeSync(prefixSerde, this.topic, prefix, `store ${this.name} prefix`)
    this.flush()
    for (const { key, value } of this.db.getRange({ start: bytes })) {
      if (!hasPrefix(key, bytes)) return
      yield this.decode(key, value)
    }
  }

  /** LMDB keeps keys in byte order already: a range is one cursor walk, after pending writes land. */
  private *scan(from: K | undefined, to: K | undefined, reverse: boolean): IterableIterator<KeyValue<K, V>> {
    const low = from === undefined ? undefined : this.keyBytes(from)
    const high = to === undefined ? undefined : this.keyBytes(to)
    if (low !== undefined && high !== undefined && Buffer.compare(low, high) > 0) return
    this.flush()
    // getRange's end is exclusive: the key right after `to` in byte order is `to` plus a zero byte.
    const after = high === undefined ? undefined : Buffer.concat([high, Buffer.alloc(1)])
    const entries = [
      ...this.db.getRange({
        ...(low === undefined ? {} : { start: low }),
        ...(after === undefined ? {} : { end: after }),
      }),
    ]
    if (reverse) entries.reverse()
    for (const { key, value } of entries) yield this.decode(key, value)
  }

  private decode(key: Buffer, value: Buffer): KeyValue<K, V> {
    return {
      key: deserializeSync(this.keySerde, this.topic, key, `store ${this.name} key`),
      value: deserializeSync(this.valueSerde, this.topic, value, `store ${this.name} value`),
    }
  }

  approximateNumEntries(): number {
    return (this.db.getStats() as { entryCount: number }).entryCount + this.pending.size
  }

  flush(): void {
    if (this.pending.size === 0) return
    const pending = this.pending
    this.pending = new Map()
    this.db.transactionSync(() => {
      for (const { key, value } of pending.values()) {
        const keyBytes = this.keyBytes(key)
        if (value === null) this.db.removeSync(keyBytes)
        else
          this.db.putSync(
            keyBytes,
            serializeSync(this.valueSerde, this.topic, value, `store ${this.name} value`),
          )
      }
    })
  }

  /** `flush`, then durably: what a checkpoint written next may vouch for. */
  flushToDisk(): void {
    this.flush()
    syncEnv(this.path)
  }

  /** Drops everything: a store whose local copy cannot be trusted is rebuilt from its changelog. */
  wipe(): void {
    this.pending.clear()
    this.timestamps.clear()
    this.db.clearSync()
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
