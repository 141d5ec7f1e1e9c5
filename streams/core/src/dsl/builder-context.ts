import { STREAMS_ERROR_CODES, TopologyError } from '../errors.ts'
import type { ProcessorSupplier } from '../processor/api.ts'
import type { Serde } from '@oxagry/kafka'
import type { StoreKind, StoreSpec } from '../state/store.ts'
import type { TopicRef } from '../topology/nodes.ts'
import { Topology } from '../topology/topology.ts'
import type { Materialized, StoreType } from './options.ts'

/** What every DSL object shares: the topology being built and the name counter. */
export class BuilderContext {
  readonly topology = new Topology()
  private index = 0

  constructor(
    readonly defaultStoreType: StoreType,
    readonly defaultKeySerde?: Serde<unknown>,
    readonly defaultValueSerde?: Serde<unknown>,
  ) {}

  /** A serde a derived serde must wrap now: the stream's own, else the builder's default, else an error naming the node. */
  requireSerde<T>(serde: Serde<T> | undefined, which: 'key' | 'value', node: string, hint: string): Serde<T> {
    const resolved =
      serde ?? ((which === 'key' ? this.defaultKeySerde : this.defaultValueSerde) as Serde<T> | undefined)
    if (resolved === undefined) {
      throw new TopologyError(
        `${node} needs a ${which} serde to build its internal topics and stores: ${hint}, or give the StreamsBuilder a default ${which} serde`,
        STREAMS_ERROR_CODES.MISSING_SERDE,
        { node },
      )
    }
    return resolved
  }

  /** Kafka Streams' generated names: the prefix and a ten-digit counter. */
  newName(prefix: string): string {
    return `${prefix}${String(this.index++).padStart(10, '0')}`
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    prefix: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    parents: readonly string[],
    name?: string,
  ): string {
    const nodeName = name ?? this.newName(prefix)
    this.topology.addProcessor(nodeName, supplier, ...parents)
    return nodeName
  }

  /** A store for a DSL operator, from its Materialized options. */
  storeSpec<K, V>(
    kind: StoreKind,
    materialized: Materialized<K, V> | undefined,
    fallbackName: string,
    serdes: { keySerde?: Serde<unknown>; valueSerde?: Serde<unknown> },
    retentionMs?: number,
  ): StoreSpec {
    const keySerde = (materialized?.keySerde as Serde<unknown> | undefined) ?? serdes.keySerde
    const valueSerde = (materialized?.valueSerde as Serde<unknown> | undefined) ?? serdes.valueSerde
    const retention = Math.max(retentionMs ?? 0, materialized?.retentionMs ?? 0)
    return {
      name: materialized?.storeName ?? fallbackName,
      kind,
      persistent: (materialized?.storeType ?? this.defaultStoreType) === 'persistent',
      logging: materialized?.logging ?? true,
      changelogConfig: { 'cleanup.policy': 'compact', ...materialized?.changelogConfig },
      ...(keySerde === undefined ? {} : { keySerde }),
      ...(valueSerde === undefined ? {} : { valueSerde }),
      ...(kind === 'keyValue' ? {} : { retentionMs: retention }),
    }
  }

  /** Adds an internal repartition topic with a sink into it and a source out of it; returns the source. */
  repartition(
    parent: string,
    baseName: string,
    serdes: { keySerde?: Serde<unknown>; valueSerde?: Serde<unknown> },
    partitions?: number,
  ): { source: string; topic: TopicRef } {
    const topic: TopicRef = { name: `${baseName}-repartition`, internal: true }
    this.topology.addInternalTopic({
      name: topic.name,
      kind: 'repartition',
      ...(partitions === undefined ? {} : { partitions }),
      config: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
    })
    const sink = `${baseName}-repartition-sink`
    const source = `${baseName}-repartition-source`
    this.topology.addSink(sink, topic, serdes, parent)
    this.topology.addSource(source, [topic], serdes)
    return { source, topic }
  }
}
