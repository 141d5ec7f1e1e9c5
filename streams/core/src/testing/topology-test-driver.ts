import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { StreamRecord } from '../record.ts'
import { isTopicDescriptor, type RecordHeaders, type Serde, type TopicDescriptor } from '@oxagry/kafka'
import { encodeChange } from '../state/changelog-codec.ts'
import { createStore, storeSerdes, type ManagedStore } from '../state/factory.ts'
import type { KeyValueStore, SessionStore, StateStore, WindowStore } from '../state/store.ts'
import { deserializeSync, serializeSync, syncResult } from '../state/sync-serde.ts'
import type { SourceNode } from '../topology/nodes.ts'
import type { DefaultSerdes, Topology } from '../topology/topology.ts'
import type { OutgoingRecord, RecordCollector } from '../runtime/collector.ts'
import { GlobalStoreTask } from '../runtime/global-task.ts'
import { effectiveDefaults } from '../runtime/serdes-resolution.ts'
import { changelogTopic } from '../runtime/internal-topics.ts'
import { resolveTopic, StreamTask } from '../runtime/task.ts'
import { TestInputTopic, TestOutputTopic, type TestRecord } from './io-topics.ts'

export interface TestDriverConfig extends DefaultSerdes {
  readonly applicationId?: string
  /** Where persistent stores live; a temporary directory, removed on close, when absent. */
  readonly stateDir?: string
  /** The mocked wall clock's start. */
  readonly initialWallClockTimeMs?: number
}

interface CapturedRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: RecordHeaders
}

interface Route {
  readonly task?: StreamTask
  readonly global?: GlobalStoreTask
  readonly source?: SourceNode
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
}

/**
 * Runs a topology without a broker, synchronously and deterministically, as Kafka Streams'
 * TopologyTestDriver: pipe records in, read records out, move the wall clock, look into stores.
 * Records sent to internal or input topics are processed before `pipeInput` returns.
 */
/** Where a test input topic's timestamps start and how far each record moves them. */
export interface InputTopicOptions {
  readonly startTimestampMs?: number
  readonly autoAdvanceMs?: number
}

export class TopologyTestDriver {
  readonly applicationId: string
  private wallClock: number
  private readonly defaults: DefaultSerdes
  private readonly tasks: StreamTask[] = []
  private readonly globals = new Map<string, GlobalStoreTask>()
  private readonly routes = new Map<string, Route>()
  private readonly outputs = new Map<string, CapturedRecord[]>()
  private readonly produced = new Set<string>()
  private readonly offsets = new Map<string, number>()
  /** The largest timestamp extracted per input partition, which timestamp extractors are told. */
  private readonly partitionTimes = new Map<string, number>()
  private readonly pending: { topic: string; record: CapturedRecord }[] = []
  private readonly stateDir: string
  private readonly ownsStateDir: boolean
  private processing = false
  private readonly dropped: { node: string; reason: string }[] = []
  private closed = false

  constructor(
    private readonly topology: Topology,
    config: TestDriverConfig = {},
  ) {
    this.applicationId = config.applicationId ?? 'test-driver'
    this.wallClock = config.initialWallClockTimeMs ?? 0
    this.defaults = effectiveDefaults(topology, config)
    topology.validateSerdes(this.defaults)
    this.ownsStateDir = config.stateDir === undefined
    this.stateDir = config.stateDir ?? mkdtempSync(join(tmpdir(), 'oxagry-ttd-'))
    const clock = { now: () => this.wallClock }
    const storeOptions = { ...this.defaults, stateDir: this.stateDir }

    const globalStores = new Map<string, StateStore>()
    for (const spec of topology.globalStores) {
      const store = createStore(spec.store, 'global', storeOptions)
      globalStores.set(spec.store.name, store)
      const task = new GlobalStoreTask(spec, store, this.applicationId, clock)
      this.globals.set(spec.store.name, task)
      this.routes.set(spec.topic, {
        global: task,
        keySerde: this.serde(spec.keySerde, 'key', spec.sourceName),
        valueSerde: this.serde(spec.valueSerde, 'value', spec.sourceName),
      })
    }

    const collector: RecordCollector = { send: (record) => this.collect(record) }
    for (const subtopology of topology.subtopologies()) {
      const stores = new Map<string, ManagedStore>()
      for (const name of subtopology.stores) {
        const spec = topology.store(name)
        if (spec !== undefined) stores.set(name, createStore(spec, `${subtopology.id}_0`, storeOptions))
      }
      const task = new StreamTask({
        applicationId: this.applicationId,
        topology,
        subtopology,
        partition: 0,
        stores,
        globalStores,
        collector,
        clock,
        onDropped: (event) => this.dropped.push({ node: event.node, reason: event.reason }),
        ...this.defaults,
      })
      this.tasks.push(task)
      for (const node of subtopology.nodes) {
        if (node.kind !== 'source') continue
        for (const ref of node.topics) {
          this.routes.set(resolveTopic(this.applicationId, ref), {
            task,
            source: node,
            keySerde: this.serde(node.keySerde, 'key', node.name),
            valueSerde: this.serde(node.valueSerde, 'value', node.name),
          })
        }
      }
    }
  }

  private serde(own: Serde<unknown> | undefined, which: 'key' | 'value', node: string): Serde<unknown> {
    const serde = own ?? (which === 'key' ? this.defaults.defaultKeySerde : this.defaults.defaultValueSerde)
    if (serde === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.MISSING_SERDE, `${node} has no ${which} serde`)
    return serde
  }

  /** An input of a described topic, written with its serdes. */
  createInputTopic<K, V>(topic: TopicDescriptor<K, V>, options?: InputTopicOptions): TestInputTopic<K, V>
  createInputTopic<K, V>(
    topic: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    options?: InputTopicOptions,
  ): TestInputTopic<K, V>
  createInputTopic<K, V>(
    described: string | TopicDescriptor<K, V>,
    ...rest: [InputTopicOptions?] | [Serde<K>, Serde<V>, InputTopicOptions?]
  ): TestInputTopic<K, V> {
    const [topic, keySerde, valueSerde, options = {}] = isTopicDescriptor(described)
      ? [described.name, described.keySerde, described.valueSerde, rest[0] as InputTopicOptions | undefined]
      : [described, rest[0] as Serde<K>, rest[1] as Serde<V>, rest[2]]
    if (!this.routes.has(topic)) {
      throw new StreamsError(STREAMS_ERROR_CODES.TOPOLOGY, `topic ${topic} is not read by the topology`)
    }
    return new TestInputTopic(topic, keySerde, valueSerde, options, (record) => this.pipe(topic, record))
  }

  /** The output of a described topic, read with its serdes. */
  createOutputTopic<K, V>(topic: TopicDescriptor<K, V>): TestOutputTopic<K, V>
  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V>
  createOutputTopic<K, V>(
    described: string | TopicDescriptor<K, V>,
    ...serdes: [] | [Serde<K>, Serde<V>]
  ): TestOutputTopic<K, V> {
    const [topic, keySerde, valueSerde] = isTopicDescriptor(described)
      ? [described.name, described.keySerde, described.valueSerde]
      : [described, serdes[0] as Serde<K>, serdes[1] as Serde<V>]
    return new TestOutputTopic<K, V>(
      topic,
      () => this.drainOutput(topic),
      (bytes) => ({
        key:
          bytes.key === null
            ? (null as K)
            : deserializeSync(keySerde, topic, bytes.key, `output ${topic} key`),
        value:
          bytes.value === null
            ? (null as V)
            : deserializeSync(valueSerde, topic, bytes.value, `output ${topic} value`),
        timestamp: bytes.timestamp,
        headers: bytes.headers,
      }),
      () => this.outputs.get(topic)?.length ?? 0,
    )
  }

  /** Every topic the topology wrote to, changelogs and repartition topics included. */
  producedTopicNames(): Set<string> {
    return new Set(this.produced)
  }

  /** Records processors chose not to process (late, null key), with the node and the reason. */
  droppedRecords(): { node: string; reason: string }[] {
    return [...this.dropped]
  }

  /** Moves the mocked wall clock and runs the wall-clock punctuations that fall due. */
  advanceWallClockTime(ms: number): void {
    this.wallClock += ms
    for (const task of this.tasks) task.punctuate('WALL_CLOCK_TIME', this.wallClock)
    this.drainPending()
  }

  getStateStore<S extends StateStore>(name: string): S | undefined {
    const global = this.globals.get(name)
    if (global !== undefined) return global.store as S
    for (const task of this.tasks) {
      const store = task.stores.get(name)
      if (store !== undefined) return store as unknown as S
    }
    return undefined
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    return this.typedStore(name, 'keyValue') as KeyValueStore<K, V>
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    return this.typedStore(name, 'window') as WindowStore<K, V>
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.typedStore(name, 'session') as SessionStore<K, V>
  }

  private typedStore(name: string, kind: StateStore['kind']): StateStore {
    const store = this.getStateStore(name)
    if (store === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.UNKNOWN_STORE, `no store named ${name}`)
    if (store.kind !== kind) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.UNKNOWN_STORE,
        `store ${name} is a ${store.kind} store, not a ${kind} store`,
      )
    }
    return store
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const task of this.tasks) task.close()
    for (const global of this.globals.values()) global.close()
    if (this.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true })
  }

  private pipe(topic: string, record: TestRecord<Buffer | null, Buffer | null>): void {
    if (this.closed) throw new StreamsError(STREAMS_ERROR_CODES.STATE, 'the test driver is closed')
    this.pending.push({ topic, record })
    this.drainPending()
  }

  private drainPending(): void {
    if (this.processing) return
    this.processing = true
    try {
      for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) {
        this.processOne(next.topic, next.record)
        for (const task of this.tasks) task.punctuate('WALL_CLOCK_TIME', this.wallClock)
      }
    } finally {
      this.processing = false
    }
  }

  private processOne(topic: string, bytes: CapturedRecord): void {
    const route = this.routes.get(topic)
    if (route === undefined) return
    const offset = this.offsets.get(topic) ?? 0
    this.offsets.set(topic, offset + 1)
    const metadata = { topic, partition: 0, offset: String(offset) }
    const key =
      bytes.key === null ? null : deserializeSync(route.keySerde, topic, bytes.key, `input ${topic} key`)
    const value =
      bytes.value === null
        ? null
        : deserializeSync(route.valueSerde, topic, bytes.value, `input ${topic} value`)
    if (route.global !== undefined) {
      route.global.process({ key, value, timestamp: bytes.timestamp, headers: bytes.headers }, metadata)
      return
    }
    const task = route.task
    if (task === undefined) return
    const extractor = route.source?.timestampExtractor
    const timestamp =
      extractor === undefined
        ? bytes.timestamp
        : extractor(
            { ...metadata, timestamp: bytes.timestamp, headers: bytes.headers },
            key,
            value,
            this.partitionTimes.get(`${topic}:${metadata.partition}`) ?? -1,
          )
    const partitionKey = `${topic}:${metadata.partition}`
    this.partitionTimes.set(partitionKey, Math.max(this.partitionTimes.get(partitionKey) ?? -1, timestamp))
    const record: StreamRecord<unknown, unknown> = { key, value, timestamp, headers: bytes.headers }
    task.process(topic, record, metadata)
    this.logChanges(task)
  }

  /** Sends the task's store changes to their changelog topics, as a commit would. */
  private logChanges(task: StreamTask): void {
    for (const [name, store] of task.stores) {
      if (store.changes === undefined || store.changes.size === 0) continue
      const spec = this.topology.store(name)
      if (spec === undefined) continue
      const topic = changelogTopic(this.applicationId, name)
      const serdes = storeSerdes(spec, this.defaults)
      for (const entry of store.changes.drain()) {
        const record = syncResult(
          encodeChange(entry, topic, serdes.key, serdes.value),
          `changelog of store ${name}`,
        )
        this.capture(topic, { key: record.key, value: record.value, timestamp: task.streamTime, headers: {} })
      }
    }
  }

  private collect(out: OutgoingRecord): void {
    const key =
      out.key === null || out.key === undefined
        ? null
        : serializeSync(out.keySerde, out.topic, out.key, `sink ${out.sink} key`)
    const value =
      out.value === null || out.value === undefined
        ? null
        : serializeSync(out.valueSerde, out.topic, out.value, `sink ${out.sink} value`)
    const record: CapturedRecord = { key, value, timestamp: out.timestamp, headers: out.headers }
    this.capture(out.topic, record)
    if (this.routes.has(out.topic)) this.pending.push({ topic: out.topic, record })
  }

  private capture(topic: string, record: CapturedRecord): void {
    this.produced.add(topic)
    const queue = this.outputs.get(topic) ?? []
    queue.push(record)
    this.outputs.set(topic, queue)
  }

  private drainOutput(topic: string): CapturedRecord | undefined {
    return this.outputs.get(topic)?.shift()
  }
}
