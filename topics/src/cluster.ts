import { Kafka, logLevel, type Admin, type ConfigResourceTypes } from 'kafkajs'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'
import type { ActualTopic, Change } from './plan.ts'

// Kafka protocol values; kafkajs declares them as TypeScript enums it does not export to ES modules.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes
const TOPIC_CONFIG_SOURCE = 1

/** A kafkajs admin client, connected; `close` disconnects. */
export async function connectAdmin(brokers: readonly string[], clientId = 'oxagry-topics'): Promise<Admin> {
  const kafka = new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 200 },
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
  } catch (error) {
    throw kafkaError(error, `connecting to ${brokers.join(',')}`)
  }
  return admin
}

export function kafkaError(error: unknown, what: string, topic?: string): TopicsError {
  if (error instanceof TopicsError) return error
  const e = error as { message?: string; retriable?: boolean }
  return new TopicsError(TOPICS_ERROR_CODES.KAFKA_FAILED, `${what}: ${e.message ?? String(error)}`, {
    cause: error,
    retriable: e.retriable ?? false,
    context: topic === undefined ? {} : { topic },
  })
}

/** How many brokers the cluster has: a topic cannot have more replicas. */
export async function brokerCount(admin: Admin): Promise<number> {
  try {
    return (await admin.describeCluster()).brokers.length
  } catch (error) {
    throw kafkaError(error, 'describing the cluster')
  }
}

/** The topics under a prefix as the cluster has them: partitions, replicas and configs. */
export async function readTopics(admin: Admin, prefix = ''): Promise<ActualTopic[]> {
  try {
    const names = (await admin.listTopics()).filter((n) => n.startsWith(prefix) && !n.startsWith('__')).sort()
    if (names.length === 0) return []
    const { topics } = await admin.fetchTopicMetadata({ topics: names })
    const { resources } = await admin.describeConfigs({
      resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
      includeSynonyms: false,
    })
    const configs = new Map(resources.map((r) => [r.resourceName, r.configEntries]))
    return topics.map((t) => {
      const entries = configs.get(t.name) ?? []
      return {
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
        overrides: Object.fromEntries(
          entries
            .filter((e) => e.configSource === TOPIC_CONFIG_SOURCE)
            .map((e) => [e.configName, e.configValue]),
        ),
        effective: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
      }
    })
  } catch (error) {
    throw kafkaError(error, 'reading topics')
  }
}

async function retryWhileDeleting<T>(run: () => Promise<T>): Promise<T> {
  // A topic just deleted lingers a moment; creating it again fails until the controller is done.
  for (let attempt = 0; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const message = (error as Error).message ?? ''
      if (attempt >= 20 || !/marked for deletion|already exists/i.test(message)) throw error
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

/** Carries out the actions of a plan, in an order that works: deletions, creations, partitions, configs. */
export async function executeChanges(admin: Admin, changes: readonly Change[]): Promise<void> {
  const order = ['delete', 'recreate', 'create', 'add-partitions', 'alter-config'] as const
  for (const kind of order) {
    for (const change of changes) {
      if (change.kind !== kind) continue
      try {
        switch (change.kind) {
          case 'delete':
            await admin.deleteTopics({ topics: [change.topic] })
            break
          case 'recreate':
          case 'create': {
            if (change.kind === 'recreate') await admin.deleteTopics({ topics: [change.topic] })
            const d = change.desired
            await retryWhileDeleting(async () => {
              const created = await admin.createTopics({
                waitForLeaders: true,
                topics: [
                  {
                    topic: d.name,
                    numPartitions: d.partitions,
                    replicationFactor: d.replicationFactor,
                    configEntries: Object.entries(d.config).map(([name, value]) => ({ name, value })),
                  },
                ],
              })
              // kafkajs answers false, not an error, when the topic exists: right after the deletion of a
              // recreate that is the old topic still going away, so it is tried again.
              if (!created && change.kind === 'recreate')
                throw new Error(`${d.name} already exists: its deletion is not finished`)
            })
            break
          }
          case 'add-partitions':
            await admin.createPartitions({ topicPartitions: [{ topic: change.topic, count: change.to }] })
            break
          case 'alter-config':
            await admin.alterConfigs({
              validateOnly: false,
              resources: [
                {
                  type: TOPIC_RESOURCE,
                  name: change.topic,
                  configEntries: Object.entries(change.config).map(([name, value]) => ({ name, value })),
                },
              ],
            })
            break
        }
      } catch (error) {
        throw kafkaError(error, `${change.kind} ${change.topic}`, change.topic)
      }
    }
  }
}
