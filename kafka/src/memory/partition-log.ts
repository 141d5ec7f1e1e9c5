import type { RecordHeaders } from '../serde.ts'

export type TxnState = 'open' | 'committed' | 'aborted'

export interface Transaction {
  state: TxnState
}

export interface LogEntry {
  readonly offset: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: RecordHeaders
  readonly txn?: Transaction
  /** When the broker received it: what retention is measured from here. */
  readonly appendedAt: number
}

/** How a topic's log is cleaned, from its configs as the real broker reads them. */
export interface CleanupPolicy {
  readonly delete: boolean
  readonly compact: boolean
  /** Records received longer ago than this are deleted, under the delete policy; -1 keeps them. */
  readonly retentionMs: number
  /** How long a compacted topic keeps a tombstone, so readers see the delete. */
  readonly deleteRetentionMs: number
}

const DAY = 86_400_000

/**
 * A topic's cleanup from its configs, Kafka's defaults where unset (delete, 7 days, tombstones kept a
 * day). `maxRetentionMs` caps the delete policy's retention: the embedded mode keeps less in memory than
 * a broker keeps on disk.
 */
export function cleanupPolicy(
  config: Readonly<Record<string, string>>,
  maxRetentionMs?: number,
): CleanupPolicy {
  const policies = (config['cleanup.policy'] ?? 'delete').split(',').map((p) => p.trim())
  const configured = Number(config['retention.ms'] ?? 7 * DAY)
  const retentionMs =
    maxRetentionMs === undefined
      ? configured
      : configured < 0
        ? maxRetentionMs
        : Math.min(configured, maxRetentionMs)
  return {
    delete: policies.includes('delete'),
    compact: policies.includes('compact'),
    retentionMs,
    deleteRetentionMs: Number(config['delete.retention.ms'] ?? DAY),
  }
}

/**
 * One partition's log: offsets only grow, the log start moves up as records are deleted, and compaction
 * leaves gaps, as on a broker. Entries are kept sorted by offset.
 */
export class PartitionLog {
  entries: LogEntry[] = []
  /** The offset the next record gets: the end offset. */
  next = 0
  /** The first offset still held. */
  start = 0
  private appendedSinceClean = 0
  private cleanedAt = 0

  append(entry: Omit<LogEntry, 'offset'>): void {
    this.entries.push({ ...entry, offset: this.next++ })
    this.appendedSinceClean++
  }

  /** The first offset not yet decided (an open transaction's first record), or the end. */
  lastStable(): number {
    for (const entry of this.entries) if (entry.txn?.state === 'open') return entry.offset
    return this.next
  }

  /** Index of the first entry at or after `offset`. */
  indexOf(offset: number): number {
    let low = 0
    let high = this.entries.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((this.entries[mid]?.offset ?? Infinity) < offset) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Whether a cleaning is due: every few thousand records, or every few seconds while appended to. */
  cleaningDue(now: number): boolean {
    return this.appendedSinceClean >= 5000 || (this.appendedSinceClean > 0 && now - this.cleanedAt >= 5000)
  }

  /**
   * Deletes what the policy lets go, up to the last stable offset (an undecided transaction is never
   * touched): under `delete`, records received longer ago than the retention, from the start of the
   * log (a broker measures from the record timestamps of a closed segment and never deletes the active
   * one, so a record with an old timestamp is not deleted as it arrives; measuring from arrival keeps
   * that, and bounds the memory held); under
   * `compact`, every record a later one with the same key replaced, aborted records, and tombstones
   * older than the tombstone retention. The newest record of each key is kept.
   */
  clean(policy: CleanupPolicy, now: number): void {
    this.appendedSinceClean = 0
    this.cleanedAt = now
    const stable = this.lastStable()
    let entries = this.entries
    if (policy.delete && policy.retentionMs >= 0) {
      let drop = 0
      while (drop < entries.length) {
        const entry = entries[drop]
        if (entry === undefined || entry.offset >= stable || entry.appendedAt >= now - policy.retentionMs)
          break
        drop++
      }
      if (drop > 0) entries = entries.slice(drop)
    }
    if (policy.compact) {
      const latest = new Map<string, number>()
      for (const entry of entries) {
        if (entry.offset >= stable) break
        if (entry.key !== null && entry.txn?.state !== 'aborted')
          latest.set(entry.key.toString('latin1'), entry.offset)
      }
      entries = entries.filter((entry) => {
        if (entry.offset >= stable) return true
        if (entry.txn?.state === 'aborted') return false
        if (entry.key === null) return true
        if (latest.get(entry.key.toString('latin1')) !== entry.offset) return false
        return entry.value !== null || entry.appendedAt >= now - policy.deleteRetentionMs
      })
    }
    this.entries = entries
    this.start = entries[0]?.offset ?? this.next
  }
}
