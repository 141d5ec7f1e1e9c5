import type { Admin } from 'kafkajs'
import type { BackendAdmin, TopicSpec } from '../types.ts'
import { securityError } from '../auth-errors.ts'
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
    await this.refusedTopics(topics.filter((t) => !existing.has(t)))
    if (present.length === 0) return counts
    const metadata = await askAgain(`reading the metadata of ${present.join(', ')}`, () =>
      this.admin.fetchTopicMetadata({ topics: present }),
    )
    for (const t of metadata.topics) counts.set(t.name, t.partitions.length)
    return counts
  }

  /**
   * A user may not see topics it has no ACL for: listing leaves them out as if they did not exist. Asked
   * for by name, the broker says which: an unauthorized topic fails as NOT_AUTHORIZED rather than as
   * missing (one metadata request, made only when a topic is absent; a missing one is not an error here).
   */
  private async refusedTopics(absent: readonly string[]): Promise<void> {
    if (absent.length === 0) return
    const what = `reading the metadata of ${absent.join(', ')}`
    try {
      await this.admin.fetchTopicMetadata({ topics: [...absent] })
    } catch (error) {
      const refused = securityError(what, error, {})
      if (refused !== undefined) throw refused
    }
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics())
    let missing = topics.filter((t) => !existing.has(t.name))
    if (missing.length === 0) return
    const created = missing.map((t) => ({ name: t.name, partitions: t.partitions }))
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
    await this.served(created)
  }

  /**
   * Returns once the broker's metadata has every partition of the topics with a leader. In KRaft a
   * topic is created when the controller commits it, and the broker's metadata follows a moment later:
   * a client asking in between is told UNKNOWN_TOPIC_OR_PARTITION, which kafkajs' subscribe does not
   * ask again.
   */
  private async served(topics: readonly { name: string; partitions: number }[]): Promise<void> {
    await askAgain(
      `waiting for the leaders of ${topics.map((t) => t.name).join(', ')}`,
      async () => {
        const metadata = await this.admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) })
        for (const topic of topics) {
          const partitions = metadata.topics.find((m) => m.name === topic.name)?.partitions ?? []
          if (partitions.length < topic.partitions || partitions.some((p) => p.leader < 0))
            throw Object.assign(new Error(`${topic.name} has no leader for every partition yet`), {
              type: 'LEADER_NOT_AVAILABLE',
            })
        }
      },
      { notYet: () => true },
    )
  }

  async endOffsets(topic: string, options: { readCommitted?: boolean } = {}): Promise<Map<number, string>> {
    // One ListOffsets per leader (a patched-in kafkajs call: its fetchTopicOffsets asks twice, for the
    // start too, and only ever under read_uncommitted).
    const offsets = await askAgain(`reading the end offsets of ${topic}`, () =>
      this.admin.fetchTopicEndOffsets(topic, { readCommitted: options.readCommitted === true }),
    )
    return new Map(offsets.map((o) => [o.partition, o.offset]))
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }
}
