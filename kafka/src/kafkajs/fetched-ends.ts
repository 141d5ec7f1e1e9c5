import { caughtUp } from '../caught-up.ts'
import { tpKey, type TopicPartition } from '../types.ts'

/** What kafkajs' batches carry of their fetch: the partition's end (and, patched in, its LSO). */
export interface FetchedBatch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly lastStableOffset?: string
}

/**
 * Where each partition's latest fetch left the member and where it found the partition's end, from
 * every fetch response: the batches handed over and (patched into kafkajs) those with nothing to hand
 * over. It answers `fetchPositions` and `fetchedEnds` as librdkafka answers from its fetch state, so a
 * stream task waiting on a partition's lag need not ask the broker for end offsets.
 */
export class FetchedEnds {
  private readonly latest = new Map<string, { readonly position: string; readonly end: string }>()

  constructor(private readonly readCommitted: boolean) {}

  /** The end a fetch found: the last stable offset under read_committed, else the high watermark. */
  private endOf(batch: FetchedBatch): string {
    return this.readCommitted && batch.lastStableOffset !== undefined && batch.lastStableOffset !== '-1'
      ? batch.lastStableOffset
      : batch.highWatermark
  }

  /**
   * A fetch left the member at `position` (past any markers it skipped) on the batch's partition.
   * Returns whether it caught up with the end the fetch found (`Batch.caughtUp`).
   */
  fetched(batch: FetchedBatch, position: string): boolean {
    const end = this.endOf(batch)
    this.latest.set(tpKey(batch.topic, batch.partition), { position, end })
    return caughtUp(BigInt(position), BigInt(end), this.readCommitted)
  }

  /** The partition was moved (a seek) or taken away: what its fetches said no longer holds. */
  forget(topic: string, partition: number): void {
    this.latest.delete(tpKey(topic, partition))
  }

  clear(): void {
    this.latest.clear()
  }

  positions(partitions: readonly TopicPartition[]): Map<string, string> {
    const positions = new Map<string, string>()
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      const latest = this.latest.get(key)
      if (latest !== undefined) positions.set(key, latest.position)
    }
    return positions
  }

  /** The ends found by fetches that reached them: nothing more was on its way there. */
  ends(partitions: readonly TopicPartition[]): Map<string, string> {
    const ends = new Map<string, string>()
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      const latest = this.latest.get(key)
      if (latest !== undefined && BigInt(latest.position) >= BigInt(latest.end)) ends.set(key, latest.end)
    }
    return ends
  }
}
