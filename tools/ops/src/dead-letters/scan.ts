import {
  tpKey,
  type BrokerRecord,
  type ClusterAdmin,
  type KafkaBackend,
  type PartitionOffset,
} from '@oxagry/kafka'
import { OPS_ERROR_CODES, OpsError } from '../errors.ts'

/** A topic's partitions: first offset and end offset (the next to be written). */
export interface TopicRange {
  readonly low: ReadonlyMap<number, string>
  readonly high: ReadonlyMap<number, string>
}

export async function topicRange(admin: ClusterAdmin, topic: string): Promise<TopicRange> {
  const exists = (await admin.describeTopics(topic)).some((t) => t.name === topic)
  if (!exists)
    throw new OpsError(OPS_ERROR_CODES.NOT_FOUND, `topic ${topic} does not exist`, { context: { topic } })
  return {
    low: await admin.offsetsAt(topic, { kind: 'earliest' }),
    high: await admin.offsetsAt(topic, { kind: 'latest' }),
  }
}

/**
 * Reads committed records (read_committed: dead letters of exactly-once applications are transactional)
 * of the given partitions from their offsets up to the ends read at the start, handing each batch to
 * `onRecords` one at a time, in offset order within a partition. Records written meanwhile wait for the
 * next run.
 */
export async function scan(
  backend: KafkaBackend,
  from: readonly PartitionOffset[],
  until: ReadonlyMap<string, string>,
  onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
): Promise<void> {
  const reading = from.filter((p) => BigInt(p.offset) < BigInt(until.get(tpKey(p.topic, p.partition)) ?? '0'))
  if (reading.length === 0) return
  const reader = backend.reader({ clientId: 'oxagry-ops', readCommitted: true })
  // A client may hand over partitions' batches concurrently; their handling is kept in sequence.
  let queue: Promise<void> = Promise.resolve()
  try {
    await reader.read(reading, until, (records) => {
      queue = queue.then(() => onRecords(records))
      return queue
    })
  } finally {
    await reader.close()
  }
}

/** Every partition of a range, from its first offset, and the ends to read to. */
export function wholeTopic(
  topic: string,
  range: TopicRange,
): { from: PartitionOffset[]; until: Map<string, string> } {
  return {
    from: [...range.low]
      .sort(([a], [b]) => a - b)
      .map(([partition, offset]) => ({ topic, partition, offset })),
    until: new Map([...range.high].map(([partition, offset]) => [tpKey(topic, partition), offset])),
  }
}
