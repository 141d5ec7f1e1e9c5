import { STREAMS_ERROR_CODES, StreamsError, TopologyError } from '../errors.ts'
import {
  storeGetter,
  type Cancellable,
  type Processor,
  type ProcessorContext,
  type PunctuationType,
  type Punctuator,
} from '../processor/api.ts'
import type { RecordMetadata, StreamRecord } from '../record.ts'
import { injectTraceContext, type Serde } from '@oxagry/kafka'
import type { ManagedStore } from '../state/factory.ts'
import { readOnlyGlobal } from '../state/read-only.ts'
import type { AnyStore, StateStore } from '../state/store.ts'
import type { TopicRef, TopologyNode } from '../topology/nodes.ts'
import { isTopicRef, type DefaultSerdes, type Subtopology, type Topology } from '../topology/topology.ts'
import type { RecordCollector } from './collector.ts'
import { PunctuationQueue } from './punctuation.ts'
import { applicationSpans, endRecordSpan, inRecordSpan, type RecordSpan } from './record-span.ts'

export interface Clock {
  now(): number
}

export interface TaskOptions extends DefaultSerdes {
  readonly applicationId: string
  readonly topology: Topology
  readonly subtopology: Subtopology
  readonly partition: number
  /** This task's stores, by name. */
  readonly stores: ReadonlyMap<string, ManagedStore>
  /** Global stores, shared by every task of the instance. */
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly collector: RecordCollector
  readonly clock: Clock
  /** Told of every record a processor chose to drop, with the reason. */
  readonly onDropped?: (event: DroppedRecord) => void
}

export interface DroppedRecord {
  readonly task: string
  readonly node: string
  readonly reason: string
  readonly metadata: RecordMetadata | undefined
}

type Forward = (record: StreamRecord<unknown, unknown>) => void

interface NodeRuntime {
  readonly node: TopologyNode
  readonly children: NodeRuntime[]
  readonly childByName: Map<string, NodeRuntime>
  process: Forward
  processor?: Processor<unknown, unknown, unknown, unknown>
}

export function resolveTopic(applicationId: string, ref: TopicRef): string {
  return ref.internal ? `${applicationId}-${ref.name}` : ref.name
}

/**
 * One task: a sub-topology's processors for one partition, with their stores, stream time and
 * punctuations. Processing a record is synchronous from source to sinks; sinks hand records to the
 * collector, which serializes and sends them.
 */
export class StreamTask {
  readonly id: string
  readonly partition: number
  readonly subtopology: Subtopology
  /** The largest timestamp processed so far; -1 before the first record. */
  streamTime = -1
  /** Set when something happened that a commit should make durable. */
  commitNeeded = false
  commitRequested = false
  /** Records processors chose not to process, since the task started. */
  droppedRecords = 0
  private readonly sources = new Map<string, NodeRuntime>()
  private readonly runtimes = new Map<string, NodeRuntime>()
  private readonly punctuations = new PunctuationQueue()
  private current: RecordMetadata | undefined
  /** The span of the record being processed: what the records sent meanwhile carry as their parent. */
  private currentSpan: RecordSpan | undefined
  private readonly startSpan: ReturnType<typeof applicationSpans>
  private currentNode = ''

  constructor(private readonly options: TaskOptions) {
    this.partition = options.partition
    this.subtopology = options.subtopology
    this.id = `${options.subtopology.id}_${options.partition}`
    this.startSpan = applicationSpans(options.applicationId)
    for (const node of options.subtopology.nodes) this.build(node)
    for (const runtime of this.runtimes.values()) {
      if (runtime.processor?.init !== undefined) {
        this.currentNode = runtime.node.name
        runtime.processor.init(this.contextFor(runtime))
      }
    }
    this.currentNode = ''
  }

  /** The resolved names of the topics this task reads. */
  get inputTopics(): string[] {
    return [...this.sources.keys()]
  }

  get stores(): ReadonlyMap<string, ManagedStore> {
    return this.options.stores
  }

  private build(node: TopologyNode): NodeRuntime {
    const existing = this.runtimes.get(node.name)
    if (existing !== undefined) return existing
    const children: NodeRuntime[] = []
    const runtime: NodeRuntime = { node, children, childByName: new Map(), process: () => {} }
    this.runtimes.set(node.name, runtime)
    for (const child of this.options.topology.children(node.name)) {
      const built = this.build(child)
      children.push(built)
      runtime.childByName.set(child.name, built)
    }
    switch (node.kind) {
      case 'source': {
        runtime.process = (record) => {
          for (const child of children) child.process(record)
        }
        for (const topic of node.topics)
          this.sources.set(resolveTopic(this.options.applicationId, topic), runtime)
        break
      }
      case 'processor': {
        const processor = node.supplier()
        runtime.processor = processor
        runtime.process = (record) => {
          const previous = this.currentNode
          this.currentNode = node.name
          try {
            processor.process(record)
          } finally {
            this.currentNode = previous
          }
        }
        break
      }
      case 'sink': {
        const keySerde = this.serde(node.keySerde, this.options.defaultKeySerde, node.name, 'key')
        const valueSerde = this.serde(node.valueSerde, this.options.defaultValueSerde, node.name, 'value')
        const target = node.topic
        const fixed = isTopicRef(target) ? resolveTopic(this.options.applicationId, target) : undefined
        runtime.process = (record) => {
          const topic =
            fixed ??
            (target as (k: unknown, v: unknown, c: { topic?: string }) => string)(record.key, record.value, {
              topic: this.current?.topic,
            })
          this.options.collector.send({
            topic,
            key: record.key,
            value: record.value,
            timestamp: record.timestamp,
            headers:
              this.currentSpan === undefined
                ? record.headers
                : injectTraceContext(record.headers, this.currentSpan.context),
            keySerde,
            valueSerde,
            sink: node.name,
            ...(node.partitioner === undefined ? {} : { partitioner: node.partitioner }),
          })
        }
        break
      }
    }
    return runtime
  }

  private serde(
    own: Serde<unknown> | undefined,
    fallback: Serde<unknown> | undefined,
    node: string,
    what: string,
  ): Serde<unknown> {
    const serde = own ?? fallback
    if (serde === undefined) {
      throw new TopologyError(`sink ${node} has no ${what} serde`, STREAMS_ERROR_CODES.MISSING_SERDE, {
        node,
      })
    }
    return serde
  }

  private contextFor(runtime: NodeRuntime): ProcessorContext {
    const node = runtime.node
    const allowed = new Set(node.kind === 'processor' ? node.stores : [])
    return {
      applicationId: this.options.applicationId,
      taskId: this.id,
      forward: (record, childName) => {
        if (childName === undefined) {
          for (const child of runtime.children) child.process(record)
          return
        }
        const child = runtime.childByName.get(childName)
        if (child === undefined) {
          throw new TopologyError(`${node.name} forwards to ${childName}, which is not one of its children`)
        }
        child.process(record)
      },
      schedule: (intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable => {
        const now = type === 'STREAM_TIME' ? this.streamTime : this.options.clock.now()
        return this.punctuations.schedule(type, intervalMs, node.name, punctuator, now)
      },
      getStateStore: storeGetter((name) => {
        const global = this.options.globalStores.get(name)
        // Read only, as Kafka's decorators: only the global store's own processor writes it.
        if (global !== undefined) return readOnlyGlobal<StateStore>(global as unknown as AnyStore)
        const store = this.options.stores.get(name)
        if (store === undefined || !allowed.has(name)) {
          throw new TopologyError(
            `processor ${node.name} asks for store ${name}, which is not connected to it`,
            STREAMS_ERROR_CODES.UNKNOWN_STORE,
            { node: node.name, store: name },
          )
        }
        return store as unknown as StateStore
      }),
      recordMetadata: () => this.current,
      currentStreamTimeMs: () => this.streamTime,
      currentSystemTimeMs: () => this.options.clock.now(),
      commit: () => {
        this.commitRequested = true
      },
      recordDropped: (reason: string) => {
        this.droppedRecords++
        this.options.onDropped?.({ task: this.id, node: node.name, reason, metadata: this.current })
      },
    }
  }

  /** Processes one deserialized input record, then any stream-time punctuation it makes due. */
  process(topic: string, record: StreamRecord<unknown, unknown>, metadata: RecordMetadata): void {
    const source = this.sources.get(topic)
    if (source === undefined) {
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `task ${this.id} does not read topic ${topic}`)
    }
    if (record.timestamp > this.streamTime) this.streamTime = record.timestamp
    this.current = metadata
    const span = this.startSpan(record.headers, metadata)
    this.currentSpan = span
    let failure: unknown
    try {
      inRecordSpan(span, () => source.process(record))
    } catch (error) {
      failure = error
      throw error
    } finally {
      this.current = undefined
      this.currentSpan = undefined
      endRecordSpan(span, failure)
    }
    this.commitNeeded = true
    this.punctuate('STREAM_TIME', this.streamTime)
  }

  /** Runs due punctuators of the type; returns whether any ran. */
  punctuate(type: PunctuationType, now: number): boolean {
    const fired = this.punctuations.punctuate(type, now, (node, fn) => {
      const previous = this.currentNode
      this.currentNode = node
      try {
        fn()
      } finally {
        this.currentNode = previous
      }
    })
    if (fired) this.commitNeeded = true
    return fired
  }

  /**
   * Flushes every store to its engine (the changelog is drained separately), without making it durable:
   * after a crash nothing vouches for it and it is rebuilt from its changelog.
   */
  flushStores(): void {
    for (const store of this.options.stores.values()) store.flush()
  }

  close(): void {
    for (const runtime of this.runtimes.values()) runtime.processor?.close?.()
    for (const store of this.options.stores.values()) store.close()
  }
}
