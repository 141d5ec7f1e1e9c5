import { isTopicDescriptor, type Serde, type TopicDescriptor } from '@oxagry/kafka'
import type { StoreSpec } from '../state/store.ts'
import type { Topology } from '../topology/topology.ts'
import { BuilderContext } from './builder-context.ts'
import { KStream } from './kstream.ts'
import { GlobalKTable, KTable } from './ktable.ts'
import type { Consumed, ConsumedFrom, Materialized, StoreType } from './options.ts'
import { OldValues } from './old-values.ts'
import { tableSource } from './processors.ts'

export interface StreamsBuilderOptions {
  /** Serdes for every place that names none; the runtime config's defaults apply too. */
  readonly defaultKeySerde?: Serde<unknown>
  readonly defaultValueSerde?: Serde<unknown>
  /** The engine of DSL stores that do not choose: in memory (default) or persistent (LMDB). */
  readonly defaultStoreType?: StoreType
}

/** Builds a topology with the DSL, as Kafka Streams' StreamsBuilder. */
export class StreamsBuilder {
  private readonly ctx: BuilderContext
  private built = false

  constructor(options: StreamsBuilderOptions = {}) {
    this.ctx = new BuilderContext(
      options.defaultStoreType ?? 'in-memory',
      options.defaultKeySerde,
      options.defaultValueSerde,
    )
  }

  /** A stream of every record of a described topic, typed and read with its serdes. */
  stream<K, V>(topic: TopicDescriptor<K, V>, consumed?: ConsumedFrom): KStream<K, V>
  /** A stream of every record of the topics. */
  stream<K, V>(topics: string | readonly string[], consumed?: Consumed<K, V>): KStream<K, V>
  stream<K, V>(
    source: string | readonly string[] | TopicDescriptor<K, V>,
    options: Consumed<K, V> = {},
  ): KStream<K, V> {
    const [topics, consumed] = withSerdesOf(source, options)
    const list = typeof topics === 'string' ? [topics] : [...topics]
    const name = consumed.name ?? this.ctx.newName('KSTREAM-SOURCE-')
    this.ctx.topology.addSource(name, list, {
      ...(consumed.keySerde === undefined ? {} : { keySerde: consumed.keySerde as Serde<unknown> }),
      ...(consumed.valueSerde === undefined ? {} : { valueSerde: consumed.valueSerde as Serde<unknown> }),
      ...(consumed.timestampExtractor === undefined
        ? {}
        : { timestampExtractor: consumed.timestampExtractor }),
      ...(consumed.offsetResetPolicy === undefined ? {} : { offsetReset: consumed.offsetResetPolicy }),
    })
    return new KStream<K, V>(this.ctx, {
      node: name,
      repartitionRequired: false,
      sourceTopics: list.map((t) => ({ name: t, internal: false })),
      ...(consumed.keySerde === undefined ? {} : { keySerde: consumed.keySerde }),
      ...(consumed.valueSerde === undefined ? {} : { valueSerde: consumed.valueSerde }),
    })
  }

  /** A table of a described topic, typed and read with its serdes. */
  table<K, V>(
    topic: TopicDescriptor<K, V>,
    consumed?: ConsumedFrom,
    materialized?: Materialized<K, V>,
  ): KTable<K, V>
  /** A table of the topic: the latest value per key, materialized in a store. */
  table<K, V>(topic: string, consumed?: Consumed<K, V>, materialized?: Materialized<K, V>): KTable<K, V>
  table<K, V>(
    from: string | TopicDescriptor<K, V>,
    options: Consumed<K, V> = {},
    materialized?: Materialized<K, V>,
  ): KTable<K, V> {
    const [topic, consumed] = withSerdesOf(from, options)
    const source = consumed.name ?? this.ctx.newName('KSTREAM-SOURCE-')
    const name = this.ctx.newName('KTABLE-SOURCE-')
    const keySerde = (materialized?.keySerde ?? consumed.keySerde) as Serde<unknown> | undefined
    const valueSerde = (materialized?.valueSerde ?? consumed.valueSerde) as Serde<unknown> | undefined
    this.ctx.topology.addSource(source, [topic], {
      ...(consumed.keySerde === undefined ? {} : { keySerde: consumed.keySerde as Serde<unknown> }),
      ...(consumed.valueSerde === undefined ? {} : { valueSerde: consumed.valueSerde as Serde<unknown> }),
      ...(consumed.timestampExtractor === undefined
        ? {}
        : { timestampExtractor: consumed.timestampExtractor }),
      ...(consumed.offsetResetPolicy === undefined ? {} : { offsetReset: consumed.offsetResetPolicy }),
    })
    const store = this.ctx.storeSpec('keyValue', materialized, `${topic}-STATE-STORE-${name.slice(-10)}`, {
      ...(keySerde === undefined ? {} : { keySerde }),
      ...(valueSerde === undefined ? {} : { valueSerde }),
    })
    this.ctx.topology.addProcessor(name, tableSource<K, V>(store.name), source)
    this.ctx.topology.addStateStore(store, name)
    return KTable.create<K, V>(this.ctx, {
      node: name,
      storeName: store.name,
      sourceTopics: [{ name: topic, internal: false }],
      oldValues: OldValues.source(materialized?.storeName !== undefined),
      ...(keySerde === undefined ? {} : { keySerde: keySerde as Serde<K> }),
      ...(valueSerde === undefined ? {} : { valueSerde: valueSerde as Serde<V> }),
    })
  }

  /** A global table of a described topic, typed and read with its serdes. */
  globalTable<K, V>(
    topic: TopicDescriptor<K, V>,
    consumed?: ConsumedFrom,
    materialized?: Materialized<K, V>,
  ): GlobalKTable<K, V>
  /** A table replicated whole to every instance, for joins on any key without co-partitioning. */
  globalTable<K, V>(
    topic: string,
    consumed?: Consumed<K, V>,
    materialized?: Materialized<K, V>,
  ): GlobalKTable<K, V>
  globalTable<K, V>(
    source: string | TopicDescriptor<K, V>,
    options: Consumed<K, V> = {},
    materialized?: Materialized<K, V>,
  ): GlobalKTable<K, V> {
    const [topic, consumed] = withSerdesOf(source, options)
    const sourceName = consumed.name ?? this.ctx.newName('KSTREAM-SOURCE-')
    const processorName = this.ctx.newName('KTABLE-SOURCE-')
    const keySerde = (materialized?.keySerde ?? consumed.keySerde) as Serde<unknown> | undefined
    const valueSerde = (materialized?.valueSerde ?? consumed.valueSerde) as Serde<unknown> | undefined
    // The topic itself is the global store's changelog: no second copy of it.
    const store = this.ctx.storeSpec(
      'keyValue',
      { ...materialized, logging: false },
      `${topic}-STATE-STORE-${processorName.slice(-10)}`,
      {
        ...(keySerde === undefined ? {} : { keySerde }),
        ...(valueSerde === undefined ? {} : { valueSerde }),
      },
    )
    this.ctx.topology.addGlobalStore({
      store,
      sourceName,
      topic,
      processorName,
      supplier: tableSource<unknown, unknown>(store.name) as never,
      ...(consumed.keySerde === undefined ? {} : { keySerde: consumed.keySerde as Serde<unknown> }),
      ...(consumed.valueSerde === undefined ? {} : { valueSerde: consumed.valueSerde as Serde<unknown> }),
    })
    return new GlobalKTable<K, V>(store.name, topic)
  }

  /** Declares a store for processors added with `KStream.process(supplier, storeName)`. */
  addStateStore(store: StoreSpec): this {
    this.ctx.topology.addStateStore(store)
    return this
  }

  /** The topology built so far; building twice returns the same one. */
  build(): Topology {
    this.built = true
    this.ctx.topology.builderDefaults = this.defaults
    return this.ctx.topology
  }

  get isBuilt(): boolean {
    return this.built
  }

  /** The builder's default serdes, for the runtime to fall back on. */
  get defaults(): { defaultKeySerde?: Serde<unknown>; defaultValueSerde?: Serde<unknown> } {
    return {
      ...(this.ctx.defaultKeySerde === undefined ? {} : { defaultKeySerde: this.ctx.defaultKeySerde }),
      ...(this.ctx.defaultValueSerde === undefined ? {} : { defaultValueSerde: this.ctx.defaultValueSerde }),
    }
  }
}

/** A source's topics and how to read them: a descriptor's name and serdes, or the arguments as given. */
function withSerdesOf<T extends string | readonly string[], K, V>(
  source: T | TopicDescriptor<K, V>,
  consumed: Consumed<K, V>,
): [T, Consumed<K, V>] | [string, Consumed<K, V>] {
  if (!isTopicDescriptor(source)) return [source, consumed]
  return [source.name, { ...consumed, keySerde: source.keySerde, valueSerde: source.valueSerde }]
}
