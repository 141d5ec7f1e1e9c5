import type { BrokerRecord } from '@oxagry/kafka'
import { tpKey } from '@oxagry/kafka'
import type { RecordMetadata, StreamRecord } from '../record.ts'

/** A deserialized input record waiting in its partition's queue, with its extracted timestamp. */
export interface QueuedRecord {
  readonly raw: BrokerRecord
  readonly record: StreamRecord<unknown, unknown>
  readonly metadata: RecordMetadata
  /** The offset to commit once it is processed (past any undecodable records behind it). */
  next: string
}

/** One partition's records in arrival order: taken from the head by index, so a big batch costs O(n). */
class RecordQueue {
  private items: QueuedRecord[] = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  get first(): QueuedRecord | undefined {
    return this.items[this.head]
  }

  get last(): QueuedRecord | undefined {
    return this.length === 0 ? undefined : this.items[this.items.length - 1]
  }

  push(entry: QueuedRecord): void {
    this.items.push(entry)
  }

  shift(): QueuedRecord | undefined {
    const entry = this.items[this.head]
    if (entry === undefined) return undefined
    this.head++
    // Drop the taken part once it is most of the array, so memory follows what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return entry
  }

  clear(): void {
    this.items = []
    this.head = 0
  }
}

/** What the group knows of a partition it has no records of: how far behind the log's end it reads. */
export type LagOf = (partition: string) => number | undefined

/** The readiness Kafka's PartitionGroup answers with: process, or wait (and for what). */
export type Readiness =
  | { readonly ready: true; readonly enforced: boolean }
  | { readonly ready: false; readonly waitingFor: 'records' | 'lag' | 'idle' }

/**
 * A task's input partitions, each with its queue of fetched records, as Kafka Streams' PartitionGroup:
 * the next record processed is the head with the smallest timestamp across the queues (the first
 * partition in assignment order on a tie), so a task reading several partitions processes them in time
 * order whatever order their batches came in. With some queues empty it processes only when
 * `maxTaskIdleMs` says so (KIP-695): -1 never waits; otherwise it waits while an empty partition's lag
 * is unknown or positive (its records are on the way), and once the lag is known to be zero it waits
 * `maxTaskIdleMs` more (0: not at all) before processing without that partition ("enforced").
 */
export class PartitionGroup {
  private readonly queues = new Map<string, RecordQueue>()
  private readonly idleDeadlines = new Map<string, number>()
  /** The largest timestamp extracted on each partition (Kafka's RecordQueue partition time). */
  private readonly partitionTimes = new Map<string, number>()

  constructor(
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    private readonly maxTaskIdleMs: number,
  ) {
    for (const tp of partitions) this.queues.set(tpKey(tp.topic, tp.partition), new RecordQueue())
  }

  get size(): number {
    let n = 0
    for (const queue of this.queues.values()) n += queue.length
    return n
  }

  /** The partitions with no record queued. */
  emptyPartitions(): string[] {
    return [...this.queues].filter(([, q]) => q.length === 0).map(([p]) => p)
  }

  add(partition: string, entry: QueuedRecord): void {
    this.queues.get(partition)?.push(entry)
    this.partitionTimes.set(partition, Math.max(this.partitionTime(partition), entry.record.timestamp))
  }

  /** What a timestamp extractor is told: the largest timestamp on the partition so far, -1 before any. */
  partitionTime(partition: string): number {
    return this.partitionTimes.get(partition) ?? -1
  }

  /** The last record queued on the partition, if any: an undecodable record behind it is skipped with it. */
  last(partition: string): QueuedRecord | undefined {
    return this.queues.get(partition)?.last
  }

  readiness(now: number, lagOf: LagOf): Readiness {
    if (this.size === 0) return { ready: false, waitingFor: 'records' }
    if (this.maxTaskIdleMs < 0) return { ready: true, enforced: false }
    let enforced = false
    for (const [partition, queue] of this.queues) {
      if (queue.length > 0) {
        this.idleDeadlines.delete(partition)
        continue
      }
      const lag = lagOf(partition)
      if (lag === undefined || lag > 0) {
        this.idleDeadlines.delete(partition)
        return { ready: false, waitingFor: 'lag' }
      }
      let deadline = this.idleDeadlines.get(partition)
      if (deadline === undefined) {
        deadline = now + this.maxTaskIdleMs
        this.idleDeadlines.set(partition, deadline)
      }
      if (now < deadline) return { ready: false, waitingFor: 'idle' }
      enforced = true
    }
    return { ready: true, enforced }
  }

  /** Takes the queued record with the smallest timestamp. */
  next(): { partition: string; entry: QueuedRecord } | undefined {
    let best: { partition: string; queue: RecordQueue; timestamp: number } | undefined
    for (const [partition, queue] of this.queues) {
      const head = queue.first
      if (head === undefined) continue
      if (best === undefined || head.record.timestamp < best.timestamp) {
        best = { partition, queue, timestamp: head.record.timestamp }
      }
    }
    if (best === undefined) return undefined
    return { partition: best.partition, entry: best.queue.shift() as QueuedRecord }
  }

  clear(): void {
    for (const queue of this.queues.values()) queue.clear()
    this.idleDeadlines.clear()
  }
}
