import type { BrokerRecord, KafkaBackend } from './types.ts'

/** Every committed record of a topic up to its end when asked: for tests, tools and checks. */
export async function readTopic(backend: KafkaBackend, topic: string): Promise<BrokerRecord[]> {
  const admin = await backend.admin()
  const ends = await admin.endOffsets(topic)
  await admin.close()
  const until = new Map([...ends].map(([p, o]) => [`${topic}:${p}`, o]))
  const reader = backend.reader({ clientId: `read-${topic}`, readCommitted: true })
  const records: BrokerRecord[] = []
  try {
    await reader.read(
      [...ends.keys()].map((partition) => ({ topic, partition, offset: '0' })),
      until,
      async (batch) => {
        records.push(...batch)
      },
    )
  } finally {
    await reader.close()
  }
  return records
}
