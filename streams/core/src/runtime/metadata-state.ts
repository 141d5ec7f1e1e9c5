import { partitionForKey, tpKey, type Serializer, type TopicPartition } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { Subtopology } from '../topology/topology.ts'
import type { RuntimeContext } from './context.ts'
import type { LocalOwnership } from './instance-claims.ts'
import type { InstanceDirectory } from './instance-directory.ts'
import type { InternalTopics } from './internal-topics.ts'
import {
  parseHostInfo,
  type HostInfo,
  type KeyPartitioner,
  type KeyQueryMetadata,
  type StreamsMetadata,
} from './streams-metadata.ts'
import { resolveTopic } from './task.ts'

/** What this instance runs now, as the metadata needs it. */
export interface LocalView extends LocalOwnership {
  readonly partitions: readonly TopicPartition[]
  /** The input partitions of this instance's standby tasks. */
  readonly standbyPartitions: readonly TopicPartition[]
}

/**
 * Answers which instance holds which store and key (Kafka Streams' StreamsMetadataState): a store's
 * sub-topology gives its input topics, a key's bytes hashed as the producer does give the partition,
 * and the instance directory gives who owns that partition now.
 */
export class MetadataState {
  private readonly subtopologies: readonly Subtopology[]
  private readonly globalStores: readonly string[]

  constructor(
    private readonly context: RuntimeContext,
    private readonly topics: InternalTopics,
    private readonly directory: InstanceDirectory | undefined,
    private readonly local: () => LocalView,
  ) {
    this.subtopologies = context.topology.subtopologies()
    this.globalStores = context.topology.globalStores.map((g) => g.store.name)
  }

  private requireDirectory(what: string): InstanceDirectory {
    if (this.directory === undefined) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.INVALID_CONFIG,
        `${what} needs /config/applicationServer: without it instances do not share where they answer`,
      )
    }
    return this.directory
  }

  private sourcesOf(sub: Subtopology): string[] {
    return sub.sourceTopics.map((t) => resolveTopic(this.context.config.applicationId, t))
  }

  private storesOwning(partitions: readonly TopicPartition[], withGlobal = true): string[] {
    const owned = new Set(partitions.map((p) => p.topic))
    const local = this.subtopologies
      .filter((sub) => this.sourcesOf(sub).some((t) => owned.has(t)))
      .flatMap((sub) => sub.stores)
    return [...new Set([...local, ...(withGlobal ? this.globalStores : [])])].sort()
  }

  /** Every instance known now, this one first, as Kafka's `metadataForAllStreamsClients`. */
  allMetadata(): StreamsMetadata[] {
    const directory = this.requireDirectory('metadataForAllStreamsClients')
    const local = this.local()
    const others = directory.claims
      .fresh(Date.now())
      .filter((e) => e.endpoint !== local.endpoint && e.state === 'RUNNING')
    const self = {
      endpoint: local.endpoint,
      partitions: local.partitions,
      standbyPartitions: local.standbyPartitions,
    }
    return [self, ...others].map((e) => ({
      hostInfo: parseHostInfo(e.endpoint),
      stateStoreNames: this.storesOwning(e.partitions),
      topicPartitions: e.partitions,
      standbyStateStoreNames: this.storesOwning(e.standbyPartitions, false),
      standbyTopicPartitions: e.standbyPartitions,
    }))
  }

  /** The instances holding some part of a store, as Kafka's `streamsMetadataForStore`. */
  streamsMetadataForStore(store: string): StreamsMetadata[] {
    this.storeHome(store)
    return this.allMetadata().filter((m) => m.stateStoreNames.includes(store))
  }

  /** The sub-topology a store belongs to, or 'global'; a typed error for a store the topology lacks. */
  private storeHome(store: string): Subtopology | 'global' {
    if (this.globalStores.includes(store)) return 'global'
    const sub = this.subtopologies.find((s) => s.stores.includes(store))
    if (sub === undefined) {
      throw new StreamsError(STREAMS_ERROR_CODES.UNKNOWN_STORE, `no store named ${store} in the topology`, {
        context: { store },
      })
    }
    return sub
  }

  /**
   * Which instance holds `key` of `store`, as Kafka's `queryMetadataForKey`: the key is serialized with
   * `keySerializer` and hashed with murmur2 over the partition count of the store's input topic, as the
   * producers and repartition topics place records (or with `partitioner` when they do not). A global
   * store is held whole by every instance: this one answers, partition -1.
   */
  async queryMetadataForKey<K>(
    store: string,
    key: K,
    keySerializer: Serializer<K>,
    partitioner?: KeyPartitioner<K>,
  ): Promise<KeyQueryMetadata> {
    const directory = this.requireDirectory('queryMetadataForKey')
    const home = this.storeHome(store)
    const local = this.local()
    if (home === 'global')
      return { activeHost: parseHostInfo(local.endpoint), standbyHosts: [], partition: -1 }
    const sources = this.sourcesOf(home)
    const source = sources[0]
    const partitions = source === undefined ? undefined : this.topics.knownPartitions(source)
    if (source === undefined || partitions === undefined)
      return { activeHost: undefined, standbyHosts: [], partition: -1 }
    let bytes: Buffer
    try {
      bytes = await keySerializer.serialize(source, key, {})
    } catch (error) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.INVALID_KEY,
        `the key of a lookup in ${store} does not serialize`,
        {
          cause: error,
          context: { store, topic: source },
        },
      )
    }
    const partition =
      partitioner === undefined ? partitionForKey(bytes, partitions) : partitioner(key, bytes, partitions)
    const owner = directory.claims.owner(
      sources.map((t) => tpKey(t, partition)),
      Date.now(),
      local,
    )
    const activeHost: HostInfo | undefined =
      owner.kind === 'owned' ? parseHostInfo(owner.endpoint) : undefined
    return { activeHost, standbyHosts: this.standbyHosts(directory, sources, partition, local), partition }
  }

  /**
   * The running instances keeping a standby of the task that reads this partition number of `sources`,
   * this one from what it runs, the others from their entries (Kafka's `KeyQueryMetadata.standbyHosts`).
   */
  private standbyHosts(
    directory: InstanceDirectory,
    sources: readonly string[],
    partition: number,
    local: LocalView,
  ): HostInfo[] {
    const keys = new Set(sources.map((t) => tpKey(t, partition)))
    const holds = (partitions: readonly TopicPartition[]): boolean =>
      partitions.some((p) => keys.has(tpKey(p.topic, p.partition)))
    const others = directory.claims
      .fresh(Date.now())
      .filter((e) => e.endpoint !== local.endpoint && e.state === 'RUNNING' && holds(e.standbyPartitions))
      .map((e) => e.endpoint)
    const self = local.running && holds(local.standbyPartitions) ? [local.endpoint] : []
    return [...self, ...others].sort().map(parseHostInfo)
  }
}
