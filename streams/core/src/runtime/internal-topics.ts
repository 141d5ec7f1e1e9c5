import type { BackendAdmin, TopicSpec } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { TopicRef } from '../topology/nodes.ts'
import type { RuntimeContext } from './context.ts'
import { resolveTopic } from './task.ts'

/** The changelog topic of a store: `<applicationId>-<store>-changelog`, as Kafka Streams names it. */
export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`
}

/**
 * The topics an application needs (Kafka Streams' InternalTopicManager): checks its source topics exist,
 * creates its repartition and changelog topics with the partition counts the topology needs, checks
 * co-partitioning, and knows every topic's partition count for the record collector.
 */
export class InternalTopics {
  private readonly partitionCounts = new Map<string, number>()
  private admin: BackendAdmin | undefined

  constructor(private readonly context: RuntimeContext) {}

  name(ref: TopicRef): string {
    return resolveTopic(this.context.config.applicationId, ref)
  }

  /**
   * The partition count of a topic known from `prepare` (sources, internal topics, dead letters, and the
   * outputs that existed then), without asking the broker.
   */
  knownPartitions(topic: string): number | undefined {
    return this.partitionCounts.get(topic)
  }

  /** The partition count of any topic, asking the broker once for one not seen yet. */
  async partitions(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic)
    if (known !== undefined) return known
    const n = (await this.admin?.partitionCounts([topic]))?.get(topic)
    if (n === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.PRODUCTION, `output topic ${topic} does not exist`)
    this.partitionCounts.set(topic, n)
    return n
  }

  async prepare(admin: BackendAdmin): Promise<void> {
    this.admin = admin
    const { topology, config } = this.context
    const subtopologies = topology.subtopologies()
    const userTopics = new Set<string>()
    for (const sub of subtopologies) for (const t of sub.sourceTopics) if (!t.internal) userTopics.add(t.name)
    for (const g of topology.globalStores) userTopics.add(g.topic)
    const counts = await admin.partitionCounts([...userTopics])
    const missing = [...userTopics].filter((t) => !counts.has(t))
    if (missing.length > 0) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.TOPOLOGY,
        `source topics do not exist: ${missing.join(', ')}`,
      )
    }
    for (const [t, n] of counts) this.partitionCounts.set(t, n)
    // Internal topics take the partition count of their sub-topology's inputs, which may themselves be
    // internal: settle them in passes, then size the internal topics of each co-partition group as the
    // group's source topics (a foreign-key join's subscription topic is written by one table's
    // sub-topology but read beside the other table), as Kafka Streams' InternalTopicManager and
    // CopartitionedTopicsEnforcer do; changelogs last, as their task's inputs.
    const internal = topology.internalTopics
    const explicit = new Set(
      internal.filter((spec) => spec.partitions !== undefined).map((spec) => spec.name),
    )
    const sizes = new Map<string, number>()
    for (const spec of internal) if (spec.partitions !== undefined) sizes.set(spec.name, spec.partitions)
    const inputsOf = (sub: (typeof subtopologies)[number]): number | undefined => {
      const inputs = sub.sourceTopics.map((t) => (t.internal ? sizes.get(t.name) : counts.get(t.name)))
      return inputs.some((n) => n === undefined) ? undefined : Math.max(1, ...(inputs as number[]))
    }
    for (let round = 0; round < 2; round++) {
      for (let pass = 0; pass < internal.length + 1; pass++) {
        for (const sub of subtopologies) {
          const n = inputsOf(sub)
          if (n === undefined) continue
          for (const t of sub.sinkTopics) if (t.internal && !sizes.has(t.name)) sizes.set(t.name, n)
        }
      }
      for (const group of topology.copartitionGroups) {
        const external = group.topics.filter((t) => !t.internal).map((t) => counts.get(t.name))
        const internalSizes = group.topics.filter((t) => t.internal).map((t) => sizes.get(t.name))
        const known = (external.length > 0 ? external : internalSizes).filter(
          (n): n is number => n !== undefined,
        )
        if (known.length === 0) continue
        const target = Math.max(...known)
        for (const t of group.topics) if (t.internal && !explicit.has(t.name)) sizes.set(t.name, target)
      }
    }
    for (const sub of subtopologies) {
      const n = inputsOf(sub)
      if (n === undefined) continue
      for (const store of sub.stores) {
        const changelog = `${store}-changelog`
        if (internal.some((i) => i.name === changelog) && !explicit.has(changelog)) sizes.set(changelog, n)
      }
    }
    // The configured replication factor, or the backend's default when none is configured.
    const replication =
      config.replicationFactor === undefined ? {} : { replicationFactor: config.replicationFactor }
    const specs: TopicSpec[] = internal.map((spec) => ({
      name: this.name({ name: spec.name, internal: true }),
      partitions: sizes.get(spec.name) ?? 1,
      ...replication,
      config: spec.config,
    }))
    const dlq = [config.deserializationErrorHandler, config.processingErrorHandler]
      .filter((h): h is { deadLetterTopic: string } => typeof h === 'object')
      .map((h) => h.deadLetterTopic)
    const existingDlq = await admin.partitionCounts(dlq)
    for (const t of new Set(dlq)) {
      if (!existingDlq.has(t)) specs.push({ name: t, partitions: 1, ...replication, config: {} })
    }
    await admin.createTopics(specs)
    const created = await admin.partitionCounts(specs.map((s) => s.name))
    const internalNames = new Set(internal.map((i) => this.name({ name: i.name, internal: true })))
    for (const spec of specs) {
      const actual = created.get(spec.name)
      if (actual !== undefined) this.partitionCounts.set(spec.name, actual)
      if (actual !== undefined && actual !== spec.partitions && internalNames.has(spec.name)) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.TOPOLOGY,
          `internal topic ${spec.name} has ${actual} partitions, the topology needs ${spec.partitions}; reset the application`,
        )
      }
    }
    // The output topics' sizes too, so the record collector partitions their keyed records itself
    // (Java's murmur2, as the client would) instead of handing every record to the client's partitioner.
    // One that does not exist yet is left to the client, as Kafka Streams leaves it to its producer.
    const outputs = new Set<string>()
    for (const sub of subtopologies) for (const t of sub.sinkTopics) if (!t.internal) outputs.add(t.name)
    for (const t of this.partitionCounts.keys()) outputs.delete(t)
    if (outputs.size > 0) {
      for (const [t, n] of await admin.partitionCounts([...outputs])) this.partitionCounts.set(t, n)
    }
    for (const group of topology.copartitionGroups) {
      const topics = group.topics.map((t) => this.name(t))
      const partitions = topics.map((t) => this.partitionCounts.get(t))
      if (new Set(partitions).size > 1) {
        throw new StreamsError(
          STREAMS_ERROR_CODES.NOT_COPARTITIONED,
          `join ${group.node} needs co-partitioned inputs, but ${topics.map((t, i) => `${t} has ${partitions[i]}`).join(', ')} partitions; repartition one side first`,
          { context: { node: group.node } },
        )
      }
    }
  }
}
