import type { Admin } from 'kafkajs'
import type { BackendAdmin, TopicSpec } from '../types.ts'
import { askAgain } from './broker-errors.ts'

export class KafkaJsAdmin implements BackendAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly replicationFactor: number,
  ) {}

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    if (topics.length === 0) return counts
    const existing = new Set(await askAgain('listing topics', () => this.admin.listTopics()))
    const present = topics.filter((t) => existing.has(t))
    if (present.length === 0) return counts
    const metadata = await askAgain(`reading the metadata of ${present.join(', ')}`, () =>
      this.admin.fetchTopicMetadata({ topics: present }),
    )
    for (const t of metadata.topics) counts.set(t.name, t.partitions.length)
    return counts
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics())
    let missing = topics.filter((t) => !existing.has(t.name))
    if (missing.length === 0) return
    // Another instance may create them at the same time, and a fresh broker may answer the wait for
    // leaders with UNKNOWN_TOPIC_OR_PARTITION before the new topic's metadata has spread: a failure is
    // asked again while topics are still missing, and is the error only once the bound has passed.
    await askAgain(
      'creating topics',
      async () => {
        try {
          await this.admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({
              topic: t.name,
              numPartitions: t.partitions,
              replicationFactor: t.replicationFactor ?? this.replicationFactor,
              configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
            })),
          })
        } catch (error) {
          const now = new Set(await this.admin.listTopics())
          missing = missing.filter((t) => !now.has(t.name))
          if (missing.length > 0) throw error
        }
      },
      { notYet: () => true },
    )
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    const offsets = await askAgain(`reading the end offsets of ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic),
    )
    return new Map(offsets.map((o) => [o.partition, o.high]))
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }
}
