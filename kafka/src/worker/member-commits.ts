import type { Batch, BackendConsumer } from '../types.ts'
import { fromTpKey, tpKey } from '../types.ts'
import type { WorkerOutputs } from './outputs.ts'

/** What the member's commits need of the worker around them. */
export interface MemberCommitsHost {
  readonly outputs: WorkerOutputs
  readonly commitIntervalMs: number
  consumer(): BackendConsumer
  /** The next offset per owned partition, as this member last committed it; kept up to date here. */
  readonly positions: Map<string, string>
  owns(key: string): boolean
  /** A failed worker commits nothing more: closing aborts what is open. */
  failed(): boolean
  fail(error: unknown): void
  /** Runs after the batch or commit in hand. */
  exclusive<T>(work: () => Promise<T>): Promise<T>
}

/**
 * Exactly-once with one transaction per member (Kafka Streams' exactly_once_v2): when the open
 * transaction commits (after the commit interval, at a revocation, a stop, or before an unavailable
 * call is waited out), and what happens when the group moved on before it did: its partitions are read
 * again from their last commit, and batches fetched before that are dropped.
 */
export class MemberCommits {
  private timer: NodeJS.Timeout | undefined
  /**
   * Partitions read again from their last commit after the member's transaction was aborted, each with
   * the first record handled in it: a batch fetched before the rewind starts past that record.
   */
  private readonly rewound = new Map<string, bigint>()

  constructor(private readonly host: MemberCommitsHost) {}

  /** A batch from before a rewind of its partition: dropped, its records come again. */
  isStale(key: string, batch: Batch): boolean {
    const firstHandled = this.rewound.get(key)
    const head = batch.records[0]
    if (firstHandled === undefined || head === undefined) return false
    if (BigInt(head.offset) > firstHandled) return true
    this.rewound.delete(key)
    return false
  }

  /** After a batch: commits once the transaction has been open for the interval, or when that time comes. */
  async whenDue(): Promise<void> {
    const openFor = this.host.outputs.openFor()
    if (openFor === undefined) return
    const wait = this.host.commitIntervalMs - openFor
    if (wait <= 0) {
      await this.commit()
      return
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.host.exclusive(() => this.commit())
    }, wait)
  }

  /**
   * Commits the open transaction; false when nothing of it committed. When the group moved on, its
   * partitions are read again from their last commit (their next owner's, or this member's once it
   * rejoined); anything else fails the worker.
   */
  async commit(): Promise<boolean> {
    this.cancel()
    const { host } = this
    if (host.outputs.openFor() === undefined) return true
    if (host.failed()) return false
    try {
      const commit = await host.outputs.commit()
      if (commit.result === 'written') {
        for (const o of commit.offsets) host.positions.set(tpKey(o.topic, o.partition), o.offset)
        return true
      }
      await this.rewind(commit.firstHandled)
      return false
    } catch (error) {
      host.fail(error)
      return false
    }
  }

  /** A partition gone: nothing of it to drop any more. */
  forget(key: string): void {
    this.rewound.delete(key)
  }

  /** No commit on a timer any more (the worker stops). */
  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Reads these partitions again from their last commit. */
  private async rewind(firstHandled: ReadonlyMap<string, bigint>): Promise<void> {
    const { host } = this
    const partitions = [...firstHandled.keys()]
      .filter((key) => host.owns(key))
      .map((key) => ({ key, ...fromTpKey(key) }))
    const unknown = partitions.filter((p) => !host.positions.has(p.key))
    const committed = unknown.length > 0 ? await host.consumer().committed(unknown) : new Map()
    for (const p of partitions) {
      this.rewound.set(p.key, firstHandled.get(p.key)!)
      const offset = host.positions.get(p.key) ?? committed.get(p.key) ?? '0'
      host.consumer().seek({ topic: p.topic, partition: p.partition, offset })
    }
  }
}
