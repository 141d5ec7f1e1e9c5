import { tpKey, type BrokerRecord, type PartitionOffset } from '@oxagry/kafka'

/** `topic:partition:first-last` per partition, sorted: the same records give the same id. */
export function batchIdOf(records: readonly BrokerRecord[]): string {
  const ranges = new Map<string, { first: bigint; last: bigint }>()
  for (const r of records) {
    const key = tpKey(r.topic, r.partition)
    const offset = BigInt(r.offset)
    const range = ranges.get(key)
    if (range === undefined) ranges.set(key, { first: offset, last: offset })
    else {
      if (offset < range.first) range.first = offset
      if (offset > range.last) range.last = offset
    }
  }
  return [...ranges]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { first, last }]) => `${key}:${first}-${last}`)
    .join(',')
}

/** The offsets to commit after these records: the next offset per partition. */
export function nextOffsets(records: readonly BrokerRecord[]): PartitionOffset[] {
  const next = new Map<string, PartitionOffset>()
  for (const r of records) {
    const key = tpKey(r.topic, r.partition)
    const offset = BigInt(r.offset) + 1n
    const current = next.get(key)
    if (current === undefined || BigInt(current.offset) < offset)
      next.set(key, { topic: r.topic, partition: r.partition, offset: String(offset) })
  }
  return [...next.values()]
}
