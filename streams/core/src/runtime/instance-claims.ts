import { tpKey } from '@oxagry/kafka'
import type { InstanceEntry } from './instance-record.ts'

interface Known {
  readonly entry: InstanceEntry
  /** Per `topic:partition` it claims: the offset of the first record of the claim still standing. */
  readonly since: ReadonlyMap<string, number>
}

/** What this instance knows of itself, fresher than anything it could read back from the topic. */
export interface LocalOwnership {
  readonly endpoint: string
  readonly running: boolean
  readonly owned: ReadonlySet<string>
}

export type Ownership =
  | { readonly kind: 'owned'; readonly endpoint: string }
  | { readonly kind: 'rebalancing'; readonly endpoint: string }
  | { readonly kind: 'unknown' }

/**
 * Who owns which partition, from the entries of the instances topic (Kafka Streams'
 * StreamsMetadataState, fed by a topic instead of the group's assignment). Two instances may claim the
 * same partition for a while (the old owner crashed, or has not published its revocation yet): the
 * claim made last in the topic's order wins, as the newer assignment, whatever the clocks say; an
 * entry not refreshed within `staleAfterMs` of its publisher's clock is ignored (its instance died).
 */
export class InstanceClaims {
  private readonly known = new Map<string, Known>()

  constructor(private readonly staleAfterMs: number) {}

  /** Applies one record of the topic: an entry, or a tombstone (undefined) for an instance that left. */
  apply(endpoint: string, entry: InstanceEntry | undefined, offset: number): void {
    if (entry === undefined) {
      this.known.delete(endpoint)
      return
    }
    const before = this.known.get(endpoint)
    const sameRun = before !== undefined && before.entry.processId === entry.processId
    const since = new Map<string, number>()
    for (const p of entry.partitions) {
      const key = tpKey(p.topic, p.partition)
      since.set(key, (sameRun ? before.since.get(key) : undefined) ?? offset)
    }
    this.known.set(endpoint, { entry, since })
  }

  /** The instances whose entries are fresh at `now`. */
  fresh(now: number): InstanceEntry[] {
    return [...this.known.values()]
      .filter((k) => now - k.entry.publishedAt <= this.staleAfterMs)
      .map((k) => k.entry)
  }

  /**
   * Who owns the task reading these partitions (one partition number of a sub-topology's input
   * topics). This instance answers for itself from what it runs; its own entries in the topic are
   * ignored, as they may lag behind.
   */
  owner(partitions: readonly string[], now: number, local: LocalOwnership): Ownership {
    if (partitions.some((p) => local.owned.has(p))) {
      return local.running
        ? { kind: 'owned', endpoint: local.endpoint }
        : { kind: 'rebalancing', endpoint: local.endpoint }
    }
    let best: { entry: InstanceEntry; since: number } | undefined
    for (const [endpoint, k] of this.known) {
      if (endpoint === local.endpoint || now - k.entry.publishedAt > this.staleAfterMs) continue
      for (const p of partitions) {
        const since = k.since.get(p)
        if (since !== undefined && (best === undefined || since > best.since))
          best = { entry: k.entry, since }
      }
    }
    if (best === undefined) return { kind: 'unknown' }
    return best.entry.state === 'RUNNING'
      ? { kind: 'owned', endpoint: best.entry.endpoint }
      : { kind: 'rebalancing', endpoint: best.entry.endpoint }
  }
}
