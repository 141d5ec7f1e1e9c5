import { randomUUID } from 'node:crypto'
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

/** ListOffsets' timestamp for a partition's end (Kafka's `ListOffsetsRequest.LATEST_TIMESTAMP`). */
const LATEST_TIMESTAMP = -1

const ask = <T>(what: string, run: () => Promise<T>): Promise<T> =>
  askAgain(what, run, { notYet: answeredNotYet, toError: rdkafkaError })

/** Topics, partition counts and end offsets through librdkafka's admin client and a metadata client. */
export class RdKafkaAdmin implements BackendAdmin {
  private constructor(
    private readonly admin: RdKafka.IAdminClient,
    /**
     * Metadata and end offsets come from a client's connection: a consumer handle that never joins a
     * group (it has none), the one whose binding asks offsets for a whole topic at once. Its ListOffsets
     * carry the handle's isolation level: read_uncommitted, for the high watermark.
     */
    private readonly metadataClient: RdKafka.KafkaConsumer,
    private readonly replicationFactor: number,
    private readonly config: Record<string, string | number | boolean>,
  ) {}

  /** Made on first use: a read_committed handle, whose watermarks end at the last stable offset. */
  private stableClient: Promise<RdKafka.KafkaConsumer> | undefined

  static async connect(
    config: Record<string, string | number | boolean>,
    replicationFactor: number,
  ): Promise<RdKafkaAdmin> {
    const { AdminClient, KafkaConsumer } = rdkafka()
    const metadataClient = new KafkaConsumer(withIsolation(config, 'read_uncommitted'), {})
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
    const ids = partitions.map((p) => p.id)
    if (ids.length === 0) return new Map()
    return (
      (await this.latestOffsets(client, topic, ids)) ??
      new Map(
        await Promise.all(ids.map(async (id) => [id, await this.highWatermark(client, topic, id)] as const)),
      )
    )
  }

  /**
   * Every partition's end in one ListOffsets request per leader: Kafka's LATEST timestamp (-1), which
   * the broker answers with the high watermark, or the last stable offset on a read_committed handle.
   * A watermark query per partition cost the broker two requests each (low and high) and this process a
   * thread-pool job each; the platform's lag gauges alone asked for some hundreds every few seconds.
   * Undefined when a partition's answer is an error (librdkafka then names neither the partition nor a
   * code): the caller asks partition by partition, whose errors say what failed.
   */
  private async latestOffsets(
    client: RdKafka.KafkaConsumer,
    topic: string,
    ids: readonly number[],
  ): Promise<Map<number, string> | undefined> {
    const asked = ids.map((partition) => ({ topic, partition, offset: LATEST_TIMESTAMP }))
    const answers = await ask(`reading the end offsets of ${topic}`, () =>
      call<readonly (RdKafka.TopicPartitionOffset | Error)[]>('end offsets', (done) =>
        // Typed as offsets only; librdkafka's answer holds an Error where a partition's failed.
        client.offsetsForTimes(
          asked,
          10_000,
          done as (error: unknown, answers?: RdKafka.TopicPartitionOffset[]) => void,
        ),
      ),
    )
    const ends = new Map<number, string>()
    for (const answer of answers) {
      if (answer instanceof Error || answer.offset === undefined || answer.offset < 0) return undefined
      ends.set(answer.partition, String(answer.offset))
    }
    return ids.every((id) => ends.has(id)) ? ends : undefined
  }

  private async highWatermark(
    client: RdKafka.KafkaConsumer,
    topic: string,
    partition: number,
  ): Promise<string> {
    const offsets = await ask(`reading the end offsets of ${topic}`, () =>
      call<RdKafka.WatermarkOffsets>('watermarks', (done) =>
        client.queryWatermarkOffsets(topic, partition, 10_000, done),
      ),
    )
    return String(offsets.highOffset)
  }

  private stable(): Promise<RdKafka.KafkaConsumer> {
    this.stableClient ??= (async () => {
      const client = new (rdkafka().KafkaConsumer)(withIsolation(this.config, 'read_committed'), {})
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
): RdKafka.ConsumerGlobalConfig {
  return {
    ...config,
    // The binding will not make a consumer handle without one; this handle never joins it.
    'group.id': `${String(config['client.id'] ?? 'oxagry')}-admin-${randomUUID()}`,
    'isolation.level': level,
    'allow.auto.create.topics': false,
  } as RdKafka.ConsumerGlobalConfig
}
