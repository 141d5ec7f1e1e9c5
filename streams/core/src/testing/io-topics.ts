import type { RecordHeaders, Serde } from '@oxagry/kafka'
import { serializeSync } from '../state/sync-serde.ts'
import type { KeyValue } from '../record.ts'

export interface TestRecord<K, V> {
  readonly key: K
  readonly value: V
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/** Pipes records into one input topic of a TopologyTestDriver, as Kafka Streams' TestInputTopic. */
export class TestInputTopic<K, V> {
  private currentTime: number
  private readonly advance: number

  constructor(
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    options: { startTimestampMs?: number; autoAdvanceMs?: number },
    private readonly sink: (record: TestRecord<Buffer | null, Buffer | null>) => void,
  ) {
    this.currentTime = options.startTimestampMs ?? 0
    this.advance = options.autoAdvanceMs ?? 0
  }

  /** Pipes one record; without a timestamp it takes the topic's current time, which then auto-advances. */
  pipeInput(key: K | null, value: V | null, timestampMs?: number, headers: RecordHeaders = {}): void {
    const timestamp = timestampMs ?? this.nextTime()
    this.sink({
      key: key === null ? null : serializeSync(this.keySerde, this.topic, key, `input ${this.topic} key`),
      value:
        value === null
          ? null
          : serializeSync(this.valueSerde, this.topic, value, `input ${this.topic} value`),
      timestamp,
      headers,
    })
  }

  /** Pipes a value with a null key. */
  pipeValue(value: V | null, timestampMs?: number): void {
    this.pipeInput(null, value, timestampMs)
  }

  pipeRecord(record: { key: K | null; value: V | null; timestamp?: number; headers?: RecordHeaders }): void {
    this.pipeInput(record.key, record.value, record.timestamp, record.headers ?? {})
  }

  pipeKeyValueList(
    list: readonly KeyValue<K | null, V | null>[],
    startTimestampMs?: number,
    advanceMs = 0,
  ): void {
    let ts = startTimestampMs
    for (const { key, value } of list) {
      this.pipeInput(key, value, ts)
      if (ts !== undefined) ts += advanceMs
    }
  }

  pipeValueList(values: readonly (V | null)[]): void {
    for (const value of values) this.pipeValue(value)
  }

  /** Moves this topic's current time forward. */
  advanceTime(ms: number): void {
    this.currentTime += ms
  }

  private nextTime(): number {
    const ts = this.currentTime
    this.currentTime += this.advance
    return ts
  }
}

/** Reads what the topology wrote to one topic, as Kafka Streams' TestOutputTopic. */
export class TestOutputTopic<K, V> {
  constructor(
    readonly topic: string,
    private readonly next: () =>
      { key: Buffer | null; value: Buffer | null; timestamp: number; headers: RecordHeaders } | undefined,
    private readonly decode: (record: {
      key: Buffer | null
      value: Buffer | null
      timestamp: number
      headers: RecordHeaders
    }) => TestRecord<K, V>,
    private readonly size: () => number,
  ) {}

  private read(): TestRecord<K, V> {
    const record = this.next()
    if (record === undefined) throw new Error(`no record left in output topic ${this.topic}`)
    return this.decode(record)
  }

  readRecord(): TestRecord<K, V> {
    return this.read()
  }

  readValue(): V {
    return this.read().value
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.read()
    return { key, value }
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = []
    while (!this.isEmpty()) out.push(this.read())
    return out
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value)
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }))
  }

  /** The last value per key; a null value removes the key. */
  readKeyValuesToMap(): Map<K, V> {
    const map = new Map<K, V>()
    for (const { key, value } of this.readRecordsToList()) {
      if (value === null) map.delete(key)
      else map.set(key, value)
    }
    return map
  }

  getQueueSize(): number {
    return this.size()
  }

  isEmpty(): boolean {
    return this.size() === 0
  }
}
