import { Kafka, type Admin, type ConfigResourceTypes } from 'kafkajs'
import type { Logger } from 'pino'
import type { ClusterAdmin, GroupDescription, OffsetPosition, TopicDescription } from '../cluster-admin.ts'
import { describeConnection, type KafkaConnection } from '../connection.ts'
import type { PartitionOffset, TopicSpec } from '../types.ts'
import { answeredNotYet, askAgain, brokerError } from './broker-errors.ts'
import { kafkaJsConnection, kafkaJsLogging } from './config.ts'

// Kafka protocol values; kafkajs declares them as TypeScript enums it does not export to ES modules.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes
const TOPIC_CONFIG_SOURCE = 1

/**
 * Every call asks again while the broker answers "not yet" (a topic created a moment ago whose
 * metadata has not reached the broker asked, a leader not taken up), as the streams admin does.
 */
const call = askAgain

class KafkaJsClusterAdmin implements ClusterAdmin {
  constructor(private readonly admin: Admin) {}

  brokerCount(): Promise<number> {
    return call('describing the cluster', async () => (await this.admin.describeCluster()).brokers.length)
  }

  describeTopics(prefix = ''): Promise<TopicDescription[]> {
    return call('reading topics', async () => {
      const names = (await this.admin.listTopics())
        .filter((n) => n.startsWith(prefix) && !n.startsWith('__'))
        .sort()
      if (names.length === 0) return []
      const { topics } = await this.admin.fetchTopicMetadata({ topics: names })
      const { resources } = await this.admin.describeConfigs({
        resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
        includeSynonyms: false,
      })
      const configs = new Map(resources.map((r) => [r.resourceName, r.configEntries]))
      return topics
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.length,
          replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
          configs: (configs.get(t.name) ?? []).map((e) => ({
            name: e.configName,
            value: e.configValue,
            override: e.configSource === TOPIC_CONFIG_SOURCE,
          })),
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    })
  }

  private async create(topic: TopicSpec & { readonly replicationFactor: number }): Promise<boolean> {
    return this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        },
      ],
    })
  }

  createTopic(topic: TopicSpec & { readonly replicationFactor: number }): Promise<void> {
    return call(`creating ${topic.name}`, async () => {
      await this.create(topic)
    })
  }

  async recreateTopic(topic: TopicSpec & { readonly replicationFactor: number }): Promise<void> {
    await this.deleteTopic(topic.name)
    // A topic just deleted lingers a moment: it is waited for until the cluster no longer lists it.
    await askAgain(
      `deleting ${topic.name}`,
      async () => {
        if ((await this.admin.listTopics()).includes(topic.name))
          throw new Error(`${topic.name} still exists: its deletion is not finished`)
      },
      { boundMs: 30_000, notYet: (error) => answeredNotYet(error) || /still exists/.test(String(error)) },
    )
    // Then creating it again may still fail a moment ("marked for deletion"), asked again. kafkajs answers
    // false ("exists") also when an attempt it retried inside had created it: the name was gone before
    // this creation, so a topic there now is this creation's.
    await askAgain(
      `creating ${topic.name} again`,
      async () => {
        await this.create(topic)
      },
      {
        boundMs: 15_000,
        // Still deleting, then a fresh topic's metadata not spread yet: both are "not yet" here.
        notYet: (error) =>
          answeredNotYet(error) || /marked for deletion|already exists/i.test((error as Error).message ?? ''),
      },
    )
  }

  deleteTopic(name: string): Promise<void> {
    return call(`deleting ${name}`, () => this.admin.deleteTopics({ topics: [name] }))
  }

  addPartitions(name: string, count: number): Promise<void> {
    return call(`adding partitions to ${name}`, async () => {
      await this.admin.createPartitions({ topicPartitions: [{ topic: name, count }] })
    })
  }

  alterTopicConfig(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    return call(`altering the configs of ${name}`, async () => {
      await this.admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: TOPIC_RESOURCE,
            name,
            configEntries: Object.entries(config).map(([configName, value]) => ({ name: configName, value })),
          },
        ],
      })
    })
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return call(`describing group ${groupId}`, async () => {
      const { groups } = await this.admin.describeGroups([groupId])
      const group = groups.find((g) => g.groupId === groupId)
      return {
        groupId,
        state: group?.state ?? 'Dead',
        members: (group?.members ?? []).map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
        })),
      }
    })
  }

  groupOffsets(groupId: string): Promise<PartitionOffset[]> {
    return call(`reading the offsets of group ${groupId}`, async () => {
      // No topics: the coordinator answers for every topic the group committed on.
      const topics = await this.admin.fetchOffsets({ groupId })
      return topics
        .flatMap(({ topic, partitions }) =>
          partitions
            .filter((p) => Number(p.offset) >= 0)
            .map((p) => ({ topic, partition: p.partition, offset: p.offset })),
        )
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    })
  }

  async setGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>()
    for (const o of offsets)
      byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }])
    // kafkajs commits by joining the group with a paused member, which it refuses while others run.
    for (const [topic, partitions] of byTopic)
      await call(`setting the offsets of group ${groupId} on ${topic}`, () =>
        this.admin.setOffsets({ groupId, topic, partitions }),
      )
  }

  offsetsAt(topic: string, position: OffsetPosition): Promise<Map<number, string>> {
    return call(`reading the offsets of ${topic}`, async () => {
      if (position.kind === 'timestamp') {
        const found = await this.admin.fetchTopicOffsetsByTimestamp(topic, position.timestamp)
        return new Map(found.sort((a, b) => a.partition - b.partition).map((o) => [o.partition, o.offset]))
      }
      const offsets = await this.admin.fetchTopicOffsets(topic)
      return new Map(
        offsets
          .sort((a, b) => a.partition - b.partition)
          .map((o) => [o.partition, position.kind === 'earliest' ? o.low : o.high]),
      )
    })
  }

  async close(): Promise<void> {
    await this.admin.disconnect()
  }
}

export interface ClusterAdminOptions {
  readonly clientId?: string
  readonly logger?: Logger
  /** How often kafkajs retries a failed request before the call fails (3 by default; 0 for probes). */
  readonly retries?: number
  readonly connectionTimeoutMs?: number
}

/** A connected kafkajs admin for operators' tools; a failure to connect names the brokers. */
export async function connectKafkaJsAdmin(
  connection: KafkaConnection,
  { clientId = 'oxagry-admin', logger, retries = 3, connectionTimeoutMs = 3000 }: ClusterAdminOptions = {},
): Promise<Admin> {
  const admin = new Kafka({
    ...kafkaJsLogging(logger),
    ...kafkaJsConnection(connection),
    clientId,
    retry: { retries, initialRetryTime: 200 },
    connectionTimeout: connectionTimeoutMs,
  }).admin()
  try {
    await admin.connect()
  } catch (error) {
    throw brokerError(`connecting to ${describeConnection(connection)}`, error)
  }
  return admin
}

/** A connected admin client for operators' tools; a failure to connect names the brokers. */
export async function connectClusterAdmin(
  connection: KafkaConnection,
  options: ClusterAdminOptions = {},
): Promise<ClusterAdmin> {
  return new KafkaJsClusterAdmin(await connectKafkaJsAdmin(connection, options))
}
