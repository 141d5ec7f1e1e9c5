/*
 * The records of `<applicationId>-instances`, a compacted topic of one partition:
 *   key   = the instance's endpoint, UTF-8 `host:port` (so a restarted instance replaces its old entry)
 *   value = UTF-8 JSON { "version": 1, "endpoint", "processId", "state": "RUNNING" | "REBALANCING",
 *           "partitions": [[topic, partition], ...], "publishedAt": epoch ms,
 *           "standbyPartitions": [[topic, partition], ...] (the input partitions of its standby tasks;
 *           absent from entries of instances before standbys, read as none) }
 *           or null (a tombstone: the instance left cleanly).
 */
import type { TopicPartition } from '@oxagry/kafka'

export const INSTANCE_RECORD_VERSION = 1

/** What an instance says about itself: where it answers and which input partitions its tasks read. */
export interface InstanceEntry {
  readonly endpoint: string
  /** Tells two runs behind the same endpoint apart. */
  readonly processId: string
  /** REBALANCING: its partitions may be moving, so nobody routes to it until it says RUNNING again. */
  readonly state: 'RUNNING' | 'REBALANCING'
  readonly partitions: readonly TopicPartition[]
  /** The input partitions of the tasks it keeps standbys of (`numStandbyReplicas`). */
  readonly standbyPartitions: readonly TopicPartition[]
  /** The publisher's clock when sent; an entry not refreshed within the stale bound is ignored. */
  readonly publishedAt: number
}

export function instancesTopic(applicationId: string): string {
  return `${applicationId}-instances`
}

export function encodeInstanceEntry(entry: InstanceEntry): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: INSTANCE_RECORD_VERSION,
      endpoint: entry.endpoint,
      processId: entry.processId,
      state: entry.state,
      partitions: entry.partitions.map((p) => [p.topic, p.partition]),
      publishedAt: entry.publishedAt,
      standbyPartitions: entry.standbyPartitions.map((p) => [p.topic, p.partition]),
    }),
    'utf8',
  )
}

function isPartitionPair(x: unknown): x is [string, number] {
  return (
    Array.isArray(x) &&
    x.length === 2 &&
    typeof x[0] === 'string' &&
    Number.isInteger(x[1]) &&
    (x[1] as number) >= 0
  )
}

/**
 * The entry a record holds; undefined for bytes that are not one (another version, a foreign writer),
 * which the reader skips rather than trusting.
 */
export function decodeInstanceEntry(bytes: Buffer): InstanceEntry | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const o = parsed as Record<string, unknown>
  if (
    o.version !== INSTANCE_RECORD_VERSION ||
    typeof o.endpoint !== 'string' ||
    typeof o.processId !== 'string' ||
    (o.state !== 'RUNNING' && o.state !== 'REBALANCING') ||
    !Array.isArray(o.partitions) ||
    !o.partitions.every(isPartitionPair) ||
    typeof o.publishedAt !== 'number' ||
    (o.standbyPartitions !== undefined &&
      (!Array.isArray(o.standbyPartitions) || !o.standbyPartitions.every(isPartitionPair)))
  )
    return undefined
  return {
    endpoint: o.endpoint,
    processId: o.processId,
    state: o.state,
    partitions: (o.partitions as [string, number][]).map(([topic, partition]) => ({ topic, partition })),
    publishedAt: o.publishedAt,
    standbyPartitions: ((o.standbyPartitions ?? []) as [string, number][]).map(([topic, partition]) => ({
      topic,
      partition,
    })),
  }
}
