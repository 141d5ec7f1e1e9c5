import type { BackendAdmin } from '@oxagry/kafka'
import { tpKey } from '@oxagry/kafka'

/**
 * How far each input partition's fetch position is behind its log's end, for the partition groups:
 * what Kafka's consumer knows from its fetch responses, asked here of the admin client, at most once a
 * poll interval. A fetch position is where the next record would come from: past the last record
 * fetched, or where the partition was placed after a join.
 *
 * A log may end past its last record (transaction markers, aborted or compacted records). A client
 * that reports its position past those (a batch's `nextOffset`) is followed, as Kafka's consumer is.
 * Markers a client skips without a batch (kafkajs does, for a fetch of markers alone) are covered by
 * the fallback: a partition whose end stayed where it was while nothing arrived between two looks
 * counts as caught up, so a task never waits for records that will not come.
 *
 * Each look reads the ends of every partition waited on, across all of a thread's tasks: a task kept
 * waiting on a busy partition must not take every look and starve the others of theirs.
 */
export class FetchLag {
  private readonly positions = new Map<string, string>()
  private readonly ends = new Map<
    string,
    { end: string; arrivals: number; stalled: boolean; quietSince: number }
  >()
  private readonly arrivals = new Map<string, number>()
  private lastLook = 0
  private looking: Promise<void> | undefined

  /**
   * @param intervalMs at most one look per interval
   * @param options.readCommitted the partitions are read read_committed: their ends are their last
   *   stable offsets, as Kafka's consumer measures such a member's lag, so records of a transaction
   *   still open (always, somewhere, under exactly-once) are not waited for
   * @param options.quietMs a partition that said it had records on the way but delivered none for this
   *   long counts as caught up, whatever its end does: markers of aborted transactions that a client
   *   skips without a batch (kafkajs) would otherwise hold a task back for as long as others keep writing.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly options: { readonly readCommitted?: boolean; readonly quietMs?: number } = {},
  ) {}

  /** The next offset to fetch on the partition: after a join, or past a fetched record. */
  placed(partition: string, offset: string): void {
    this.positions.set(partition, offset)
  }

  fetched(partition: string, offset: string): void {
    this.positions.set(partition, String(Number(offset) + 1))
    this.arrivals.set(partition, (this.arrivals.get(partition) ?? 0) + 1)
  }

  /** Where the client says it will fetch next after a batch: past the markers it skipped. */
  fetchedUpTo(partition: string, nextOffset: string): void {
    const position = this.positions.get(partition)
    if (position === undefined || Number(nextOffset) > Number(position))
      this.positions.set(partition, nextOffset)
  }

  /**
   * Where the client's own fetch said the partition ends (`BackendConsumer.fetchedEnds`): known without
   * a look, as Kafka's consumer knows it from its fetch responses.
   */
  reached(partition: string, end: string, now: number): void {
    this.ends.set(partition, {
      end,
      arrivals: this.arrivals.get(partition) ?? 0,
      stalled: false,
      quietSince: now,
    })
  }

  forget(partition: string): void {
    this.positions.delete(partition)
    this.ends.delete(partition)
    this.arrivals.delete(partition)
  }

  lagOf = (partition: string): number | undefined => {
    const position = this.positions.get(partition)
    const end = this.ends.get(partition)
    if (position === undefined || end === undefined) return undefined
    if (end.stalled) return 0
    return Math.max(0, Number(end.end) - Number(position))
  }

  /**
   * Asks for the end offsets of the partitions' topics, unless it did within the interval (the
   * constructor's, or a longer one where the client's fetches tell most ends: see `reached`).
   */
  async look(
    admin: BackendAdmin | undefined,
    partitions: readonly string[],
    now: number,
    intervalMs = this.intervalMs,
  ): Promise<void> {
    if (admin === undefined || partitions.length === 0 || now - this.lastLook < intervalMs) return
    this.lastLook = now
    this.looking ??= this.refresh(admin, partitions, now).finally(() => {
      this.looking = undefined
    })
    await this.looking
  }

  private async refresh(admin: BackendAdmin, partitions: readonly string[], now: number): Promise<void> {
    const topics = [...new Set(partitions.map((p) => p.slice(0, p.lastIndexOf(':'))))]
    // Every topic asked at once; a broker that cannot say where its logs end must not stall the tasks:
    // their empty partitions count as caught up, and the task processes what it has, lowest timestamp first.
    const answers = await Promise.all(
      topics.map((topic) =>
        admin
          .endOffsets(topic, { readCommitted: this.options.readCommitted === true })
          .catch(() => undefined),
      ),
    )
    for (const [i, topic] of topics.entries()) {
      const ends = answers[i]
      if (ends === undefined) {
        for (const key of partitions) {
          if (key.startsWith(`${topic}:`))
            this.ends.set(key, { end: '0', arrivals: 0, stalled: true, quietSince: now })
        }
        continue
      }
      for (const [partition, end] of ends) {
        const key = tpKey(topic, partition)
        if (!partitions.includes(key)) continue
        const arrivals = this.arrivals.get(key) ?? 0
        const before = this.ends.get(key)
        const quiet = before !== undefined && before.arrivals === arrivals
        const quietSince = quiet ? before.quietSince : now
        const stalled = quiet && (before.end === end || now - quietSince >= (this.options.quietMs ?? 2_000))
        this.ends.set(key, { end, arrivals, stalled, quietSince })
      }
    }
  }
}
