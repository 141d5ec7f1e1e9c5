import test from 'ava'
import kafkajs, { type Admin } from 'kafkajs'
import { KafkaJsAdmin } from './admin.ts'

// kafkajs is CommonJS and spreads its error classes into its exports, which ESM cannot name.
const { KafkaJSProtocolError } = kafkajs

/**
 * A KRaft broker whose metadata has not caught up with its controller: the topic is created, but the
 * metadata request of kafkajs' waitForLeaders is answered UNKNOWN_TOPIC_OR_PARTITION (kafkajs asks
 * again only on LEADER_NOT_AVAILABLE), and the next metadata shows a partition without a leader.
 */
class LaggingBroker {
  readonly topics = new Set<string>()
  metadataAsked = 0
  async listTopics(): Promise<string[]> {
    return [...this.topics]
  }
  async createTopics(options: { topics: { topic: string }[] }): Promise<boolean> {
    for (const t of options.topics) this.topics.add(t.topic)
    throw new KafkaJSProtocolError({
      message: 'This server does not host this topic-partition',
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
    } as never)
  }
  async fetchTopicMetadata(options: { topics: string[] }) {
    this.metadataAsked++
    const leader = this.metadataAsked === 1 ? -1 : 0
    return {
      topics: options.topics.map((name) => ({
        name,
        partitions: [0, 1].map((partitionId) => ({ partitionId, leader })),
      })),
    }
  }
}

test('creating topics on a broker whose metadata lags returns once every partition has a leader', async (t) => {
  const broker = new LaggingBroker()
  const admin = new KafkaJsAdmin(broker as unknown as Admin, 1)
  await admin.createTopics([{ name: 'fresh', partitions: 2, config: {} }])
  t.true(broker.topics.has('fresh'))
  t.is(broker.metadataAsked, 2, 'asked again while a partition had no leader')
})
