import type { BrokerRecord, Following, KafkaBackend } from '@oxagry/kafka'

/** Follows every partition of `topic` from its start, read_committed, until stopped. */
export async function followTopic(
  backend: KafkaBackend,
  topic: string,
  clientId: string,
  onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
): Promise<Following> {
  const admin = await backend.admin()
  const partitions = (await admin.partitionCounts([topic])).get(topic) ?? 1
  await admin.close()
  const reader = backend.reader({ clientId, readCommitted: true })
  return reader.follow(
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: '0' })),
    onRecords,
  )
}
