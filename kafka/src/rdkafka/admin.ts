import type * as RdKafka from 'node-rdkafka'
import { askAgain } from '../ask-again.ts'
import type { BackendAdmin, TopicSpec } from '../types.ts'
import {
  answeredNotYet,
  call,
  codeOf,
  connect,
  disconnect,
  rdkafka,
  rdkafkaError,
  TOPIC_ALREADY_EXISTS,
} from './client.ts'

const ask = <T>(what: string, run: () => Promise<T>): Promise<T> =>
  askAgain(what, run, { notYet: answeredNotYet, toError: rdkafkaError })

/** Topics, partition counts and end offsets through librdkafka's admin client and a metadata client. */
export class RdKafkaAdmin implements BackendAdmin {
  private constructor(
    private readonly admin: RdKafka.IAdminClient,
    /**
     * Metadata and watermarks come from a client's connection; a producer is the lightest one. Its
     * ListOffsets carry the handle's isolation level: read_uncommitted, for the high watermark.
     */
    private readonly metadataClient: RdKafka.Producer,
    private readonly replicationFactor: number,
    private readonly config: Record<string, string | number | boolean>,
  ) {}

  /** Made on first use: a read_committed handle, whose watermarks end at the last stable offset. */
  private stableClient: Promise<RdKafka.Producer> | undefined

  static async connect(
    config: Record<string, string | number | boolean>,
    replicationFactor: number,
  ): Promise<RdKafkaAdmin> {
    const { AdminClient, Producer } = rdkafka()
    const metadataClient = new Producer(withIsolation(config, 'read_uncommitted'))
    await connect(metadataClient as never, 'connecting an admin client')
    return new RdKafkaAdmin(AdminClient.create({ ...config }), metadataClient, replicationFactor, config)
  }

  private metadata(topic: string): Promise<RdKafka.Metadata> {
    return call<RdKafka.Metadata>('reading metadata', (done) =>
      this.metadataClient.getMetadata(topicMetadataRequest(topic), done),
    )
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    if (topics.length === 0) return counts
    // Each topic asked for by name, all at once: the whole cluster's metadata (tens of thousands of
    // partitions on a long-lived development broker) made every call cost the process more to convert
    // and collect than all its records did. The broker does not create a topic asked about.
    const answers = await Promise.all(
      [...new Set(topics)].map((topic) =>
        ask(`reading the metadata of ${topic}`, () => this.metadata(topic)),
      ),
    )
    const wanted = new Set(topics)
    for (const metadata of answers)
      for (const t of metadata.topics)
        if (wanted.has(t.name) && t.partitions.length > 0) counts.set(t.name, t.partitions.length)
    return counts
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const t of topics) {
      await call(`creating ${t.name}`, (done) =>
        this.admin.createTopic(
          {
            topic: t.name,
            num_partitions: t.partitions,
            replication_factor: t.replicationFactor ?? this.replicationFactor,
            config: { ...t.config },
          },
          30_000,
          (error) => done(codeOf(error) === TOPIC_ALREADY_EXISTS ? undefined : error),
        ),
      )
    }
    // A topic is usable once its metadata shows every partition with a leader.
    await ask('waiting for the new topics to have leaders', async () => {
      for (const t of topics) {
        const metadata = await this.metadata(t.name)
        const topic = metadata.topics.find((m) => m.name === t.name)
        if (
          topic === undefined ||
          topic.partitions.length === 0 ||
          topic.partitions.some((p) => p.leader < 0)
        )
          throw Object.assign(new Error(`${t.name} has no leader yet`), { code: 5 })
      }
    })
  }

  async endOffsets(topic: string, options: { readCommitted?: boolean } = {}): Promise<Map<number, string>> {
    const metadata = await ask(`reading the metadata of ${topic}`, () => this.metadata(topic))
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? []
    const client = options.readCommitted === true ? await this.stable() : this.metadataClient
    // One query per partition, all at once: librdkafka sends them together.
    const ends = await Promise.all(
      partitions.map(async (p) => {
        const offsets = await ask(`reading the end offsets of ${topic}`, () =>
          call<RdKafka.WatermarkOffsets>('watermarks', (done) =>
            client.queryWatermarkOffsets(topic, p.id, 10_000, done),
          ),
        )
        return [p.id, String(offsets.highOffset)] as const
      }),
    )
    return new Map(ends)
  }

  private stable(): Promise<RdKafka.Producer> {
    this.stableClient ??= (async () => {
      const client = new (rdkafka().Producer)(withIsolation(this.config, 'read_committed'))
      await connect(client as never, 'connecting an admin client')
      return client
    })()
    this.stableClient.catch(() => {
      this.stableClient = undefined
    })
    return this.stableClient
  }

  async close(): Promise<void> {
    this.admin.disconnect()
    await disconnect(this.metadataClient as never)
    const stable = await this.stableClient?.catch(() => undefined)
    if (stable !== undefined) await disconnect(stable as never)
  }
}

/**
 * A Metadata request about one topic. node-rdkafka's `allTopics` defaults to true, and with it a request
 * naming a topic still fetches the whole cluster's metadata: on the development broker 1 669 topics and
 * 11 245 partitions, converted to JavaScript objects on the event loop and collected, for each end-offset
 * look of each stream thread (a third of the platform's CPU at 20 checkouts/s).
 */
export function topicMetadataRequest(topic: string): RdKafka.MetadataOptions {
  return { topic, allTopics: false, timeout: 10_000 }
}

/**
 * The metadata handles' settings: the isolation level (a consumer property, which librdkafka keeps on a
 * producer's handle too and its ListOffsets use), and no topic created by asking about it (a producer's
 * handle allows it by default, where the broker does).
 */
function withIsolation(
  config: Record<string, string | number | boolean>,
  level: 'read_committed' | 'read_uncommitted',
): RdKafka.ProducerGlobalConfig {
  return {
    ...config,
    'isolation.level': level,
    'allow.auto.create.topics': false,
  } as RdKafka.ProducerGlobalConfig
}
