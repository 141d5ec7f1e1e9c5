import { STREAMS_ERROR_CODES, TopologyError } from '../errors.ts'
import type { ProcessorSupplier } from '../processor/api.ts'
import type { Serde } from '@oxagry/kafka'
import type { StoreSpec } from '../state/store.ts'
import type {
  OffsetResetPolicy,
  InternalTopicSpec,
  StreamPartitioner,
  TimestampExtractor,
  TopicNameExtractor,
  TopicRef,
  TopologyNode,
} from './nodes.ts'

/** A global store: every instance reads all partitions of its topic into a local copy. */
export interface GlobalStoreSpec {
  readonly store: StoreSpec
  readonly sourceName: string
  readonly topic: string
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  readonly processorName: string
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>
}

/** A connected part of the topology; one task per partition of its inputs runs it. */
export interface Subtopology {
  readonly id: number
  readonly nodes: readonly TopologyNode[]
  readonly sourceTopics: readonly TopicRef[]
  readonly sinkTopics: readonly TopicRef[]
  readonly stores: readonly string[]
}

export interface SourceOptions {
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  readonly timestampExtractor?: TimestampExtractor
  /** Where to start reading a partition the group never committed on; the group's (earliest) when absent. */
  readonly offsetReset?: OffsetResetPolicy
}

export interface SinkOptions {
  readonly keySerde?: Serde<unknown>
  readonly valueSerde?: Serde<unknown>
  readonly partitioner?: StreamPartitioner
}

/** Serdes every serialization point falls back on. */
export interface DefaultSerdes {
  readonly defaultKeySerde?: Serde<unknown>
  readonly defaultValueSerde?: Serde<unknown>
}

/**
 * A processor topology, as Kafka Streams' `Topology`: sources, processors and sinks wired by name,
 * state stores connected to processors, global stores, and the internal topics the DSL asked for.
 */
export class Topology {
  private readonly nodeMap = new Map<string, TopologyNode>()
  private readonly storeMap = new Map<string, StoreSpec>()
  private readonly globals = new Map<string, GlobalStoreSpec>()
  private readonly internal = new Map<string, InternalTopicSpec>()
  private readonly copartition: { node: string; topics: TopicRef[] }[] = []
  private order = 0
  /** Serdes the builder was given as defaults; the runtime's config defaults come after them. */
  builderDefaults: DefaultSerdes = {}

  addSource(name: string, topics: readonly (string | TopicRef)[], options: SourceOptions = {}): this {
    this.assertNewName(name)
    if (options.offsetReset !== undefined && !['earliest', 'latest'].includes(options.offsetReset)) {
      throw new TopologyError(
        `source ${name} has offset reset policy ${String(options.offsetReset)}: it must be 'earliest' or 'latest'`,
        STREAMS_ERROR_CODES.INVALID_CONFIG,
        { node: name },
      )
    }
    if (topics.length === 0) throw new TopologyError(`source ${name} reads no topic`)
    const refs = topics.map((t) => (typeof t === 'string' ? { name: t, internal: false } : t))
    for (const ref of refs) {
      for (const node of this.nodeMap.values()) {
        if (
          node.kind === 'source' &&
          node.topics.some((t) => t.name === ref.name && t.internal === ref.internal)
        ) {
          throw new TopologyError(
            `topic ${ref.name} is already read by source ${node.name}; source ${name} cannot read it too`,
          )
        }
      }
    }
    this.nodeMap.set(name, { kind: 'source', name, topics: refs, order: this.order++, ...options })
    return this
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    ...parents: string[]
  ): this {
    this.assertNewName(name)
    this.assertParents(name, parents)
    this.nodeMap.set(name, {
      kind: 'processor',
      name,
      supplier: supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      parents,
      stores: [],
      order: this.order++,
    })
    return this
  }

  addSink(
    name: string,
    topic: string | TopicRef | TopicNameExtractor,
    options: SinkOptions,
    ...parents: string[]
  ): this {
    this.assertNewName(name)
    this.assertParents(name, parents)
    const target = typeof topic === 'string' ? { name: topic, internal: false } : topic
    this.nodeMap.set(name, { kind: 'sink', name, topic: target, parents, order: this.order++, ...options })
    return this
  }

  /** Declares a store and connects it to the named processors. */
  addStateStore(store: StoreSpec, ...processorNames: string[]): this {
    if (this.storeMap.has(store.name) || this.globals.has(store.name)) {
      throw new TopologyError(`store ${store.name} is declared twice`)
    }
    this.storeMap.set(store.name, store)
    if (store.logging) {
      this.addInternalTopic({
        name: `${store.name}-changelog`,
        kind: 'changelog',
        config: store.changelogConfig,
      })
    }
    this.connectProcessorAndStateStores(...processorNames.map((p) => [p, store.name] as const))
    return this
  }

  connectProcessorAndStateStores(...pairs: (readonly [processor: string, store: string])[]): this {
    for (const [processorName, storeName] of pairs) {
      const node = this.nodeMap.get(processorName)
      if (node?.kind !== 'processor') {
        throw new TopologyError(
          `store ${storeName} cannot connect to ${processorName}: no processor of that name`,
        )
      }
      if (!this.storeMap.has(storeName)) {
        throw new TopologyError(
          `processor ${processorName} asks for store ${storeName}, which is not declared`,
          STREAMS_ERROR_CODES.UNKNOWN_STORE,
          { node: processorName, store: storeName },
        )
      }
      if (!node.stores.includes(storeName)) node.stores.push(storeName)
    }
    return this
  }

  addGlobalStore(spec: GlobalStoreSpec): this {
    if (this.storeMap.has(spec.store.name) || this.globals.has(spec.store.name)) {
      throw new TopologyError(`store ${spec.store.name} is declared twice`)
    }
    this.assertNewName(spec.sourceName)
    this.assertNewName(spec.processorName)
    this.globals.set(spec.store.name, spec)
    return this
  }

  addInternalTopic(spec: InternalTopicSpec): void {
    this.internal.set(spec.name, spec)
  }

  /** Records that these topics feed a join, so their partition counts must match. */
  requireCopartitioned(node: string, topics: readonly TopicRef[]): void {
    this.copartition.push({ node, topics: [...topics] })
  }

  node(name: string): TopologyNode | undefined {
    return this.nodeMap.get(name)
  }

  get nodes(): readonly TopologyNode[] {
    return [...this.nodeMap.values()]
  }

  store(name: string): StoreSpec | undefined {
    return this.storeMap.get(name)
  }

  get stores(): readonly StoreSpec[] {
    return [...this.storeMap.values()]
  }

  get globalStores(): readonly GlobalStoreSpec[] {
    return [...this.globals.values()]
  }

  get internalTopics(): readonly InternalTopicSpec[] {
    return [...this.internal.values()]
  }

  get copartitionGroups(): readonly { node: string; topics: readonly TopicRef[] }[] {
    return this.copartition
  }

  children(name: string): TopologyNode[] {
    return [...this.nodeMap.values()]
      .filter((n) => n.kind !== 'source' && n.parents.includes(name))
      .sort((a, b) => a.order - b.order)
  }

  /**
   * Sub-topologies: nodes joined by parent edges or by a shared store, numbered in the order their
   * first node was added, as Kafka Streams numbers them.
   */
  subtopologies(): Subtopology[] {
    const parent = new Map<string, string>()
    const find = (x: string): string => {
      let root = x
      while (parent.get(root) !== root) root = parent.get(root) ?? root
      parent.set(x, root)
      return root
    }
    const union = (a: string, b: string): void => {
      const ra = find(a)
      const rb = find(b)
      if (ra !== rb) parent.set(rb, ra)
    }
    for (const name of this.nodeMap.keys()) parent.set(name, name)
    const storeOwner = new Map<string, string>()
    for (const node of this.nodeMap.values()) {
      if (node.kind !== 'source') for (const p of node.parents) union(node.name, p)
      if (node.kind === 'processor') {
        for (const store of node.stores) {
          const owner = storeOwner.get(store)
          if (owner === undefined) storeOwner.set(store, node.name)
          else union(owner, node.name)
        }
      }
    }
    const groups = new Map<string, TopologyNode[]>()
    for (const node of this.nodeMap.values()) {
      const root = find(node.name)
      const group = groups.get(root) ?? []
      group.push(node)
      groups.set(root, group)
    }
    return [...groups.values()]
      .map((nodes) => nodes.sort((a, b) => a.order - b.order))
      .sort((a, b) => (a[0]?.order ?? 0) - (b[0]?.order ?? 0))
      .map((nodes, id) => ({
        id,
        nodes,
        sourceTopics: nodes.flatMap((n) => (n.kind === 'source' ? n.topics : [])),
        sinkTopics: nodes.flatMap((n) => (n.kind === 'sink' && isTopicRef(n.topic) ? [n.topic] : [])),
        stores: [...new Set(nodes.flatMap((n) => (n.kind === 'processor' ? n.stores : [])))],
      }))
  }

  /**
   * Checks every serialization point has a serde, its own or a default, and fails naming the node
   * that has none. Run by the runtime and the test driver before anything starts.
   */
  validateSerdes(defaults: DefaultSerdes): void {
    const missing: string[] = []
    const check = (
      what: string,
      serde: Serde<unknown> | undefined,
      fallback: Serde<unknown> | undefined,
    ): void => {
      if (serde === undefined && fallback === undefined) missing.push(what)
    }
    for (const node of this.nodeMap.values()) {
      if (node.kind === 'source') {
        const topics = node.topics.map((t) => t.name).join(', ')
        check(
          `source ${node.name} (topics: ${topics}) has no key serde`,
          node.keySerde,
          defaults.defaultKeySerde,
        )
        check(
          `source ${node.name} (topics: ${topics}) has no value serde`,
          node.valueSerde,
          defaults.defaultValueSerde,
        )
      } else if (node.kind === 'sink') {
        const topic = isTopicRef(node.topic) ? node.topic.name : '(extracted)'
        check(`sink ${node.name} (topic: ${topic}) has no key serde`, node.keySerde, defaults.defaultKeySerde)
        check(
          `sink ${node.name} (topic: ${topic}) has no value serde`,
          node.valueSerde,
          defaults.defaultValueSerde,
        )
      }
    }
    for (const store of [...this.storeMap.values(), ...[...this.globals.values()].map((g) => g.store)]) {
      if (store.logging || store.persistent) {
        check(`store ${store.name} has no key serde`, store.keySerde, defaults.defaultKeySerde)
        check(`store ${store.name} has no value serde`, store.valueSerde, defaults.defaultValueSerde)
      }
    }
    for (const g of this.globals.values()) {
      check(
        `global store ${g.store.name} source (topic ${g.topic}) has no key serde`,
        g.keySerde,
        defaults.defaultKeySerde,
      )
      check(
        `global store ${g.store.name} source (topic ${g.topic}) has no value serde`,
        g.valueSerde,
        defaults.defaultValueSerde,
      )
    }
    if (missing.length > 0) {
      throw new TopologyError(
        `missing serdes (set them on the node, or defaultKeySerde/defaultValueSerde in the config):\n  ${missing.join('\n  ')}`,
        STREAMS_ERROR_CODES.MISSING_SERDE,
      )
    }
  }

  describe(): TopologyDescription {
    return describeTopology(this)
  }

  private assertNewName(name: string): void {
    if (name.length === 0) throw new TopologyError('a node needs a name')
    const taken =
      this.nodeMap.has(name) ||
      [...this.globals.values()].some((g) => g.sourceName === name || g.processorName === name)
    if (taken) throw new TopologyError(`a node named ${name} already exists`)
  }

  private assertParents(name: string, parents: readonly string[]): void {
    if (parents.length === 0) throw new TopologyError(`${name} needs at least one parent`)
    for (const p of parents) {
      const parent = this.nodeMap.get(p)
      if (parent === undefined) throw new TopologyError(`${name} names parent ${p}, which does not exist`)
      if (parent.kind === 'sink') throw new TopologyError(`${name} cannot have sink ${p} as a parent`)
    }
  }
}

export function isTopicRef(topic: TopicRef | TopicNameExtractor): topic is TopicRef {
  return typeof topic !== 'function'
}

export interface NodeDescription {
  readonly kind: TopologyNode['kind']
  readonly name: string
  readonly topics?: readonly string[]
  readonly topic?: string
  readonly stores?: readonly string[]
  readonly predecessors: readonly string[]
  readonly successors: readonly string[]
}

/** What `Topology.describe()` gives: the structure, and Kafka Streams' text form from `toString()`. */
export interface TopologyDescription {
  readonly subtopologies: readonly { readonly id: number; readonly nodes: readonly NodeDescription[] }[]
  readonly globalStores: readonly {
    readonly id: number
    readonly source: string
    readonly topic: string
    readonly processor: string
    readonly store: string
  }[]
  readonly internalTopics: readonly InternalTopicSpec[]
  toString(): string
}

function topicName(ref: TopicRef): string {
  return ref.internal ? `<app>-${ref.name}` : ref.name
}

function describeTopology(topology: Topology): TopologyDescription {
  const subtopologies = topology.subtopologies().map((s) => ({
    id: s.id,
    nodes: s.nodes.map((n): NodeDescription => {
      const successors = topology.children(n.name).map((c) => c.name)
      switch (n.kind) {
        case 'source':
          return { kind: n.kind, name: n.name, topics: n.topics.map(topicName), predecessors: [], successors }
        case 'processor':
          return { kind: n.kind, name: n.name, stores: n.stores, predecessors: n.parents, successors }
        case 'sink':
          return {
            kind: n.kind,
            name: n.name,
            topic: isTopicRef(n.topic) ? topicName(n.topic) : '(extracted per record)',
            predecessors: n.parents,
            successors: [],
          }
      }
    }),
  }))
  const offset = subtopologies.length
  const globalStores = topology.globalStores.map((g, i) => ({
    id: offset + i,
    source: g.sourceName,
    topic: g.topic,
    processor: g.processorName,
    store: g.store.name,
  }))
  const internalTopics = topology.internalTopics
  return {
    subtopologies,
    globalStores,
    internalTopics,
    toString(): string {
      const lines = ['Topologies:']
      for (const s of subtopologies) {
        lines.push(`   Sub-topology: ${s.id}`)
        for (const n of s.nodes) {
          if (n.kind === 'source')
            lines.push(`    Source: ${n.name} (topics: [${(n.topics ?? []).join(', ')}])`)
          if (n.kind === 'processor')
            lines.push(`    Processor: ${n.name} (stores: [${(n.stores ?? []).join(', ')}])`)
          if (n.kind === 'sink') lines.push(`    Sink: ${n.name} (topic: ${n.topic})`)
          lines.push(`      --> ${n.successors.length > 0 ? n.successors.join(', ') : 'none'}`)
          if (n.kind !== 'source') lines.push(`      <-- ${n.predecessors.join(', ')}`)
        }
        lines.push('')
      }
      for (const g of globalStores) {
        lines.push(`  Sub-topology: ${g.id} for global store (will not generate tasks)`)
        lines.push(`    Source: ${g.source} (topics: [${g.topic}])`)
        lines.push(`      --> ${g.processor}`)
        lines.push(`    Processor: ${g.processor} (stores: [${g.store}])`)
        lines.push('      --> none')
        lines.push(`      <-- ${g.source}`)
        lines.push('')
      }
      if (internalTopics.length > 0) {
        lines.push('Internal topics:')
        for (const t of internalTopics) lines.push(`    <app>-${t.name} (${t.kind})`)
      }
      return lines.join('\n')
    },
  }
}
