import { Serdes, type Serde } from '@oxagry/kafka'
import {
  BufferConfig,
  FixedKeyRecord,
  Stores,
  type FixedKeyProcessorContext,
  type KeyValueStore,
  type ValueTransformerContext,
  EmitStrategy,
  JoinWindows,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  WindowedSerdes,
  type KStream,
  type KTable,
  type StoreType,
  type Topology,
  type Windowed,
} from '@oxagry/streams'

/** How an output topic's bytes become canonical text, the same on both sides (see Main.java). */
export const KeyFormat = { STRING: 'string', WINDOW: 'window', SESSION: 'session' } as const
export type KeyFormat = (typeof KeyFormat)[keyof typeof KeyFormat]
export const ValueFormat = { STRING: 'string', LONG: 'long' } as const
export type ValueFormat = (typeof ValueFormat)[keyof typeof ValueFormat]

export interface OutputSpec {
  readonly topic: string
  readonly key: KeyFormat
  readonly value: ValueFormat
}

/** The topics scenarios may write to. */
export const InputTopic = {
  IN: 'in',
  IN2: 'in2',
  TABLE: 'table',
  TABLE2: 'table2',
  GLOBAL: 'global',
} as const
export type InputTopic = (typeof InputTopic)[keyof typeof InputTopic]

export interface NamedTopology {
  /** The operators it exercises, for reading a failure. */
  readonly about: string
  readonly inputs: readonly InputTopic[]
  readonly outputs: readonly OutputSpec[]
  /**
   * Input records with a null key are left out: Kafka's TopologyTestDriver loses a null-key record sent
   * to a repartition topic (its mock producer has no partition to choose for it), where a cluster, and
   * our driver, deliver it. Only for a topology whose output would show that record (see the README).
   */
  readonly excludeNullKeys?: true
  /** Builds it with DSL stores in memory or in LMDB: both must answer as Kafka's in-memory stores do. */
  build(storeType: StoreType): Topology
}

const S = Serdes.String()
const L = Serdes.Long()
const W10 = WindowedSerdes.timeWindowed(S, 10)
const SW = WindowedSerdes.sessionWindowed(S)

const out = (key: KeyFormat = 'string', value: ValueFormat = 'string'): OutputSpec[] => [
  { topic: 'out', key, value },
]

// The user functions, written to answer as their Java twins in Topologies.java do.
const startsWithA = (v: string | null): boolean => v !== null && v.startsWith('a')
const upper = (v: string | null): string => (v === null ? '-' : v.toUpperCase())
const parts = (v: string | null): string[] => (v === null ? [] : v.split(','))
const first = (v: string | null): string | null => (v === null || v === '' ? null : v.slice(0, 1))
const length = (v: string | null): number => (v === null ? 0 : v.length)
/** Java's string concatenation writes null as "null"; so does a template literal. */
const cat = (a: string | null, b: string | null, sep: string): string => `${a}${sep}${b}`

function builder(storeType: StoreType): StreamsBuilder {
  return new StreamsBuilder({
    defaultKeySerde: S as Serde<unknown>,
    defaultValueSerde: S as Serde<unknown>,
    defaultStoreType: storeType,
  })
}

function stream(
  fn: (input: KStream<string, string | null>, b: StreamsBuilder) => void,
): (storeType: StoreType) => Topology {
  return (storeType) => {
    const b = builder(storeType)
    fn(b.stream<string, string | null>('in', { keySerde: S, valueSerde: S as Serde<string | null> }), b)
    return b.build()
  }
}

function streams(
  fn: (input: KStream<string, string | null>, other: KStream<string, string | null>) => void,
): (storeType: StoreType) => Topology {
  return (storeType) => {
    const b = builder(storeType)
    fn(
      b.stream<string, string | null>('in', { keySerde: S, valueSerde: S as Serde<string | null> }),
      b.stream<string, string | null>('in2', { keySerde: S, valueSerde: S as Serde<string | null> }),
    )
    return b.build()
  }
}

function tables(
  fn: (input: KTable<string, string>, other: KTable<string, string>) => void,
): (storeType: StoreType) => Topology {
  return (storeType) => {
    const b = builder(storeType)
    fn(
      b.table<string, string>('table', { keySerde: S, valueSerde: S }),
      b.table<string, string>('table2', { keySerde: S, valueSerde: S }),
    )
    return b.build()
  }
}

function table(
  fn: (input: KTable<string, string>, b: StreamsBuilder) => void,
): (storeType: StoreType) => Topology {
  return (storeType) => {
    const b = builder(storeType)
    fn(b.table<string, string>('table', { keySerde: S, valueSerde: S }), b)
    return b.build()
  }
}

function windowedCount(t: KTable<Windowed<string>, number>): void {
  t.toStream().to('out', { keySerde: W10 as never, valueSerde: L as never })
}

function sessionCount(t: KTable<Windowed<string>, number>): void {
  t.toStream().to('out', { keySerde: SW as never, valueSerde: L as never })
}

/** A fixed-key processor numbering each key's values in the store 'seen' (a null key is not stored). */
function numbering() {
  let context: FixedKeyProcessorContext<string | null, string>
  let seen: KeyValueStore<string, number>
  return {
    init(c: FixedKeyProcessorContext<string | null, string>) {
      context = c
      seen = c.getStateStore<KeyValueStore<string, number>>('seen')
    },
    process(r: FixedKeyRecord<string | null, string | null>) {
      if (r.key === null) {
        context.forward(FixedKeyRecord.withValue(r, `${r.value}#0`))
        return
      }
      const n = (seen.get(r.key) ?? 0) + 1
      seen.put(r.key, n)
      context.forward(
        FixedKeyRecord.withTimestamp(FixedKeyRecord.withValue(r, `${r.value}#${n}`), r.timestamp + n),
      )
    },
  }
}

/** A value transformer counting its calls per key in the store 'calls'. */
function counting() {
  let calls: KeyValueStore<string, number>
  return {
    init(c: ValueTransformerContext) {
      calls = c.getStateStore<KeyValueStore<string, number>>('calls')
    },
    transform(key: string, value: string | null): string | null {
      const n = (calls.get(key) ?? 0) + 1
      calls.put(key, n)
      return value === null ? null : `${value}@${n}`
    },
  }
}

/** Keeps each key's value in the store 'kv' and answers with range, reverseRange and prefixScan walks. */
function scanning() {
  let context: FixedKeyProcessorContext<string | null, string>
  let kv: KeyValueStore<string, string>
  const keys = (entries: Iterable<{ key: string }>): string => [...entries].map((e) => e.key).join(',')
  return {
    init(c: FixedKeyProcessorContext<string | null, string>) {
      context = c
      kv = c.getStateStore<KeyValueStore<string, string>>('kv')
    },
    process(r: FixedKeyRecord<string | null, string | null>) {
      if (r.key === null) {
        context.forward(FixedKeyRecord.withValue(r, '-'))
        return
      }
      kv.put(r.key, r.value)
      const answer = [
        keys(kv.range('a', 'b')),
        keys(kv.reverseRange(undefined, 'ab')),
        keys(kv.range('b', 'a')),
        keys(kv.prefixScan(r.key.slice(0, 1), S)),
        keys(kv.all()),
      ].join('|')
      context.forward(FixedKeyRecord.withValue(r, answer))
    },
  }
}

const IN = ['in'] as const
const TABLE = ['table'] as const
const IN_IN2 = ['in', 'in2'] as const
const TABLES = ['table', 'table2'] as const
const LONG = { valueSerde: L as never }

/** Every named topology, by the name the Java side knows it under. */
export const TOPOLOGIES: Readonly<Record<string, NamedTopology>> = {
  filter: {
    about: 'KStream.filter',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.filter((_k, v) => startsWithA(v)).to('out')),
  },
  filterNot: {
    about: 'KStream.filterNot',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.filterNot((_k, v) => startsWithA(v)).to('out')),
  },
  map: {
    about: 'KStream.map',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.map((k, v) => ({ key: v, value: k })).to('out')),
  },
  mapValues: {
    about: 'KStream.mapValues',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.mapValues(upper).to('out')),
  },
  flatMap: {
    about: 'KStream.flatMap',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.flatMap((k, v) => parts(v).map((p) => ({ key: p, value: k }))).to('out')),
  },
  flatMapValues: {
    about: 'KStream.flatMapValues',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.flatMapValues(parts).to('out')),
  },
  selectKey: {
    about: 'KStream.selectKey',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.selectKey((_k, v) => first(v)).to('out')),
  },
  peek: {
    about: 'KStream.peek',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.peek(() => undefined).to('out')),
  },
  split: {
    about: 'KStream.split().branch().defaultBranch()',
    inputs: IN,
    outputs: ['out-a', 'out-b', 'out-other'].map(
      (topic) => ({ topic, key: 'string', value: 'string' }) as const,
    ),
    build: stream((s) => {
      const branches = s
        .split({ name: 's-' })
        .branch((_k, v) => startsWithA(v), 'a')
        .branch((_k, v) => v !== null && v.startsWith('b'), 'b')
        .defaultBranch('other')
      for (const [name, branch] of branches) branch.to(`out-${name.slice('s--'.length)}`)
    }),
  },
  merge: {
    about: 'KStream.merge',
    inputs: ['in', 'in2'],
    outputs: out(),
    build: stream((s, b) => s.merge(b.stream<string, string | null>('in2')).to('out')),
  },
  repartition: {
    about: 'KStream.repartition',
    inputs: IN,
    outputs: out(),
    excludeNullKeys: true,
    build: stream((s) => s.repartition().to('out')),
  },

  count: {
    about: 'groupByKey().count()',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) => s.groupByKey().count().toStream().to('out', LONG)),
  },
  groupByCount: {
    about: 'groupBy().count() through a repartition topic',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupBy((_k, v) => v)
        .count()
        .toStream()
        .to('out', LONG),
    ),
  },
  reduce: {
    about: 'groupByKey().reduce()',
    inputs: IN,
    outputs: out(),
    build: stream((s) =>
      s
        .groupByKey()
        .reduce((a, v) => cat(a, v, '+'))
        .toStream()
        .to('out'),
    ),
  },
  aggregate: {
    about: 'groupByKey().aggregate()',
    inputs: IN,
    outputs: out(),
    build: stream((s) =>
      s
        .groupByKey()
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          { keySerde: S, valueSerde: S },
        )
        .toStream()
        .to('out'),
    ),
  },
  sumLengths: {
    about: 'groupByKey().aggregate() into a long',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .aggregate<number>(
          () => 0,
          (_k, v, agg) => agg + length(v),
          { keySerde: S, valueSerde: L },
        )
        .toStream()
        .to('out', LONG),
    ),
  },
  countFilter: {
    about: 'count().filter(): an aggregation parent sends old values',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .count()
        .filter((_k, n) => n % 2 === 0)
        .toStream()
        .to('out', LONG),
    ),
  },

  tumblingCount: {
    about: 'tumbling windows with grace, count',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) => windowedCount(s.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count())),
  },
  tumblingNoGrace: {
    about: 'tumbling windows without grace, count',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) => windowedCount(s.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count())),
  },
  hoppingCount: {
    about: 'hopping windows, count',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(s.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5)).count()),
    ),
  },
  tumblingReduce: {
    about: 'tumbling windows, reduce (null values reach the reducer)',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .reduce((a, v) => cat(a, v, '+'))
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  tumblingAggregate: {
    about: 'tumbling windows, aggregate',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          { keySerde: S, valueSerde: S },
        )
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  slidingCount: {
    about: 'sliding windows, count',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(s.groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)).count()),
    ),
  },
  slidingAggregate: {
    about: 'sliding windows, aggregate (order-sensitive)',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5))
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          { keySerde: S, valueSerde: S },
        )
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  sessionCount: {
    about: 'session windows, count',
    inputs: IN,
    outputs: out('session', 'long'),
    build: stream((s) =>
      sessionCount(s.groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 5)).count()),
    ),
  },
  sessionReduce: {
    about: 'session windows, reduce',
    inputs: IN,
    outputs: out('session'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 5))
        .reduce((a, v) => cat(a, v, '+'))
        .toStream()
        .to('out', { keySerde: SW as never }),
    ),
  },
  sessionAggregate: {
    about: 'session windows, aggregate with a merger',
    inputs: IN,
    outputs: out('session'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 5))
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          (_k, x, y) => cat(x, y, '|'),
          { keySerde: S, valueSerde: S },
        )
        .toStream()
        .to('out', { keySerde: SW as never }),
    ),
  },
  emitCloseTumbling: {
    about: 'tumbling count, emitStrategy(onWindowClose) (KIP-825)',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 2))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ),
    ),
  },
  emitCloseNoGrace: {
    about: 'tumbling count without grace, emitStrategy(onWindowClose): the store expires what closes',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ),
    ),
  },
  emitCloseHopping: {
    about: 'hopping aggregate, emitStrategy(onWindowClose), longer retention',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 2).advanceBy(5))
        .emitStrategy(EmitStrategy.onWindowClose())
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          { keySerde: S, valueSerde: S, retentionMs: 100 },
        )
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  emitCloseSliding: {
    about: 'sliding count, emitStrategy(onWindowClose)',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 2))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ),
    ),
  },
  emitCloseSession: {
    about: 'session count, emitStrategy(onWindowClose)',
    inputs: IN,
    outputs: out('session', 'long'),
    build: stream((s) =>
      sessionCount(
        s
          .groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ),
    ),
  },
  emitCloseSessionRetained: {
    about: 'session count, emitStrategy(onWindowClose), retention beyond gap + grace',
    inputs: IN,
    outputs: out('session', 'long'),
    build: stream((s) =>
      sessionCount(
        s
          .groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count({ retentionMs: 100 }),
      ),
    ),
  },
  suppressTimeLimit: {
    about: 'count, suppress(untilTimeLimit) with an unbounded buffer',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .count()
        .suppress(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()))
        .toStream()
        .to('out', LONG),
    ),
  },
  suppressTimeLimitMaxRecords: {
    about: 'count, suppress(untilTimeLimit) with maxRecords(2), emitting early',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .count()
        .suppress(Suppressed.untilTimeLimit(20, BufferConfig.maxRecords(2)))
        .toStream()
        .to('out', LONG),
    ),
  },
  suppressTimeLimitMaxBytes: {
    about: 'string reduce, suppress(untilTimeLimit) with maxBytes(120), emitting early',
    inputs: IN,
    outputs: out(),
    build: stream((s) =>
      s
        .groupByKey()
        .reduce((a, v) => cat(a, v, '+'))
        .suppress(Suppressed.untilTimeLimit(20, BufferConfig.maxBytes(120)))
        .toStream()
        .to('out'),
    ),
  },
  suppressTimeLimitTable: {
    about: 'source table, filter, suppress(untilTimeLimit): deletes are emitted too',
    inputs: TABLE,
    outputs: out(),
    build: table((t) =>
      t
        .filter((_k, v) => startsWithA(v))
        .suppress(Suppressed.untilTimeLimit(3, BufferConfig.maxRecords(3)))
        .toStream()
        .to('out'),
    ),
  },
  suppressTimeLimitWindowed: {
    about: 'hopping count, suppress(untilTimeLimit) by record time',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5))
          .count()
          .suppress(Suppressed.untilTimeLimit(4, BufferConfig.unbounded())),
      ),
    ),
  },
  processValues: {
    about: 'KStream.processValues (KIP-820) with a store, then a count that needs no repartition',
    inputs: IN,
    outputs: [
      { topic: 'out', key: 'string', value: 'string' },
      { topic: 'counts', key: 'string', value: 'long' },
    ],
    build: stream((s, b) => {
      b.addStateStore(Stores.inMemoryKeyValueStore('seen', { keySerde: S, valueSerde: L }))
      const numbered = s.processValues(numbering, 'seen')
      numbered.to('out')
      numbered.groupByKey().count().toStream().to('counts', LONG)
    }),
  },
  tableTransformValues: {
    about: 'KTable.transformValues with a store; groupBy forces old values through the transformer',
    inputs: TABLE,
    outputs: [
      { topic: 'out', key: 'string', value: 'string' },
      { topic: 'counts', key: 'string', value: 'long' },
    ],
    build: table((t, b) => {
      b.addStateStore(Stores.inMemoryKeyValueStore('calls', { keySerde: S, valueSerde: L }))
      const transformed = t.transformValues(counting, undefined, undefined, 'calls')
      transformed.toStream().to('out')
      transformed
        .groupBy((_k, v) => ({ key: first(v) ?? '', value: v }), { keySerde: S, valueSerde: S })
        .count()
        .toStream()
        .to('counts', LONG)
    }),
  },
  tableTransformValuesMaterialized: {
    about: 'KTable.transformValues materialized: old values from its store, then filter',
    inputs: TABLE,
    outputs: out(),
    build: table((t, b) => {
      b.addStateStore(Stores.inMemoryKeyValueStore('calls', { keySerde: S, valueSerde: L }))
      t.transformValues(counting, { storeName: 'transformed', valueSerde: S }, undefined, 'calls')
        .filter((_k, v) => v.startsWith('a'))
        .toStream()
        .to('out')
    }),
  },
  storeScans: {
    about: 'key-value store range, reverseRange, prefixScan and all, in serialized key-byte order',
    inputs: IN,
    outputs: out(),
    build: stream((s, b) => {
      b.addStateStore(Stores.inMemoryKeyValueStore('kv', { keySerde: S, valueSerde: S }))
      s.processValues(scanning, 'kv').to('out')
    }),
  },
  storeScansPersistent: {
    about: 'the same walks over a persistent (LMDB) store; Kafka answers with its in-memory store',
    inputs: IN,
    outputs: out(),
    build: stream((s, b) => {
      b.addStateStore(Stores.persistentKeyValueStore('kv', { keySerde: S, valueSerde: S }))
      s.processValues(scanning, 'kv').to('out')
    }),
  },
  suppressTumbling: {
    about: 'tumbling count, suppress(untilWindowCloses)',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 2))
          .count()
          .suppress(Suppressed.untilWindowCloses()),
      ),
    ),
  },
  suppressHopping: {
    about: 'hopping count, suppress(untilWindowCloses)',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 2).advanceBy(5))
          .count()
          .suppress(Suppressed.untilWindowCloses()),
      ),
    ),
  },
  suppressSliding: {
    about: 'sliding count, suppress(untilWindowCloses)',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 2))
          .count()
          .suppress(Suppressed.untilWindowCloses()),
      ),
    ),
  },
  suppressSession: {
    about: 'session count, suppress(untilWindowCloses)',
    inputs: IN,
    outputs: out('session', 'long'),
    build: stream((s) =>
      sessionCount(
        s
          .groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
          .count()
          .suppress(Suppressed.untilWindowCloses()),
      ),
    ),
  },
  filterThenWindow: {
    about: 'filter, then a window without grace: the aggregation keeps its own stream time',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      windowedCount(
        s
          .filter((_k, v) => startsWithA(v))
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
          .count(),
      ),
    ),
  },

  tableToStream: {
    about: 'table().toStream()',
    inputs: TABLE,
    outputs: out(),
    build: table((t) => t.toStream().to('out')),
  },
  toTable: {
    about: 'KStream.toTable().toStream()',
    inputs: IN,
    outputs: out(),
    build: stream((s) => s.toTable().toStream().to('out')),
  },
  tableFilter: {
    about: 'KTable.filter on an unnamed source table',
    inputs: TABLE,
    outputs: out(),
    build: table((t) =>
      t
        .filter((_k, v) => startsWithA(v))
        .toStream()
        .to('out'),
    ),
  },
  tableFilterNamed: {
    about: 'KTable.filter on a named (queryable) source table',
    inputs: TABLE,
    outputs: out(),
    build: (storeType) => {
      const b = builder(storeType)
      b.table<string, string>('table', { keySerde: S, valueSerde: S }, { storeName: 'table-store' })
        .filter((_k, v) => startsWithA(v))
        .toStream()
        .to('out')
      return b.build()
    },
  },
  tableMapValues: {
    about: 'KTable.mapValues',
    inputs: TABLE,
    outputs: out(),
    build: table((t) => t.mapValues(upper).toStream().to('out')),
  },
  tableGroupByCount: {
    about: 'KTable.groupBy().count()',
    inputs: TABLE,
    outputs: out('string', 'long'),
    build: table((t) =>
      t
        .groupBy((_k, v) => ({ key: v, value: v }), { keySerde: S, valueSerde: S })
        .count()
        .toStream()
        .to('out', LONG),
    ),
  },
  tableGroupBySum: {
    about: 'KTable.groupBy().aggregate(adder, subtractor)',
    inputs: TABLE,
    outputs: out('string', 'long'),
    build: table((t) =>
      t
        .groupBy((_k, v) => ({ key: first(v), value: v }), {
          keySerde: S as Serde<string | null>,
          valueSerde: S,
        })
        .aggregate<number>(
          () => 0,
          (_k, v, agg) => agg + length(v),
          (_k, v, agg) => agg - length(v),
          { keySerde: S as Serde<string | null>, valueSerde: L },
        )
        .toStream()
        .to('out', LONG),
    ),
  },
  tableGroupByReduce: {
    about: 'KTable.groupBy().reduce(adder, subtractor)',
    inputs: TABLE,
    outputs: out(),
    build: table((t) =>
      t
        .groupBy((_k, v) => ({ key: first(v), value: v }), {
          keySerde: S as Serde<string | null>,
          valueSerde: S,
        })
        .reduce(
          (a, v) => cat(a, v, '+'),
          (a, v) => cat(a, v, '-'),
        )
        .toStream()
        .to('out'),
    ),
  },
  tableFilterGroupBy: {
    about: 'KTable.filter().groupBy().count(): groupBy forces old values through the filter',
    inputs: TABLE,
    outputs: out('string', 'long'),
    build: table((t) =>
      t
        .filter((_k, v) => startsWithA(v))
        .groupBy((_k, v) => ({ key: v, value: v }), { keySerde: S, valueSerde: S })
        .count()
        .toStream()
        .to('out', LONG),
    ),
  },

  toExtractor: {
    about: 'KStream.to(TopicNameExtractor)',
    inputs: IN,
    outputs: ['out-a', 'out-other'].map((topic) => ({ topic, key: 'string', value: 'string' }) as const),
    build: stream((s) => s.to((_k, v) => (startsWithA(v) ? 'out-a' : 'out-other'))),
  },
  mergeCount: {
    about: 'merge, then groupByKey().count()',
    inputs: ['in', 'in2'],
    outputs: out('string', 'long'),
    build: stream((s, b) =>
      s.merge(b.stream<string, string | null>('in2')).groupByKey().count().toStream().to('out', LONG),
    ),
  },
  hoppingAggregate: {
    about: 'hopping windows, aggregate',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5))
        .aggregate<string>(
          () => '',
          (_k, v, agg) => cat(agg, v, ''),
          { keySerde: S, valueSerde: S },
        )
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  slidingReduce: {
    about: 'sliding windows, reduce',
    inputs: IN,
    outputs: out('window'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5))
        .reduce((a, v) => cat(a, v, '+'))
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  windowedCountFilter: {
    about: 'windowed count().filter(): the first count of a window carries the initializer as old value',
    inputs: IN,
    outputs: out('window', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .count()
        .filter((_k, n) => n % 2 === 0)
        .toStream()
        .to('out', { keySerde: W10 as never, valueSerde: L as never }),
    ),
  },
  countMapValues: {
    about: 'count().mapValues()',
    inputs: IN,
    outputs: out('string', 'long'),
    build: stream((s) =>
      s
        .groupByKey()
        .count()
        .mapValues((n) => n * 10)
        .toStream()
        .to('out', LONG),
    ),
  },
  tableFilterNot: {
    about: 'KTable.filterNot',
    inputs: TABLE,
    outputs: out(),
    build: table((t) =>
      t
        .filterNot((_k, v) => startsWithA(v))
        .toStream()
        .to('out'),
    ),
  },
  tableMapValuesNamedFilter: {
    about: 'a named KTable.mapValues, then filter: the filter sends old values',
    inputs: TABLE,
    outputs: out(),
    build: table((t) =>
      t
        .mapValues(upper, { storeName: 'upper-store', valueSerde: S })
        .filter((_k, v) => v.startsWith('A'))
        .toStream()
        .to('out'),
    ),
  },
  selectKeyLeftJoin: {
    about: 'selectKey, then KStream.leftJoin(KTable) through a repartition topic',
    inputs: ['table', 'in'],
    outputs: out(),
    build: table((t, b) =>
      b
        .stream<string, string | null>('in')
        .selectKey((_k, v) => first(v) as string)
        .leftJoin(t, (v, x) => cat(v, x, '*'))
        .to('out'),
    ),
  },

  join: {
    about: 'KStream.join(KTable)',
    inputs: ['table', 'in'],
    outputs: out(),
    build: table((t, b) =>
      b
        .stream<string, string | null>('in')
        .join(t, (v, x) => cat(v, x, '*'))
        .to('out'),
    ),
  },
  leftJoin: {
    about: 'KStream.leftJoin(KTable)',
    inputs: ['table', 'in'],
    outputs: out(),
    build: table((t, b) =>
      b
        .stream<string, string | null>('in')
        .leftJoin(t, (v, x) => cat(v, x, '*'))
        .to('out'),
    ),
  },
  leftJoinSuppressed: {
    about: 'KStream.leftJoin of a suppress(untilTimeLimit) table: buffered keys read as before buffering',
    inputs: ['table', 'in'],
    outputs: out(),
    build: table((t, b) =>
      b
        .stream<string, string | null>('in')
        .leftJoin(t.suppress(Suppressed.untilTimeLimit(5, BufferConfig.unbounded())), (v, x) =>
          cat(v, x, '*'),
        )
        .to('out'),
    ),
  },
  selectKeyJoin: {
    about: 'selectKey, then KStream.join(KTable) through a repartition topic',
    inputs: ['table', 'in'],
    outputs: out(),
    build: table((t, b) =>
      b
        .stream<string, string | null>('in')
        .selectKey((_k, v) => first(v) as string)
        .join(t, (v, x) => cat(v, x, '*'))
        .to('out'),
    ),
  },
  globalJoin: {
    about: 'KStream.join(GlobalKTable) through a key from the value',
    inputs: ['global', 'in'],
    outputs: out(),
    build: (storeType) => {
      const b = builder(storeType)
      const g = b.globalTable<string, string>('global', { keySerde: S, valueSerde: S })
      b.stream<string, string | null>('in')
        .joinGlobal(
          g,
          (_k, v) => v,
          (v, x) => cat(v, x, '*'),
        )
        .to('out')
      return b.build()
    },
  },
  globalLeftJoin: {
    about: 'KStream.leftJoin(GlobalKTable) through a key from the value',
    inputs: ['global', 'in'],
    outputs: out(),
    build: (storeType) => {
      const b = builder(storeType)
      const g = b.globalTable<string, string>('global', { keySerde: S, valueSerde: S })
      b.stream<string, string | null>('in')
        .leftJoinGlobal(
          g,
          (_k, v) => v,
          (v, x) => cat(v, x, '*'),
        )
        .to('out')
      return b.build()
    },
  },

  streamJoin: {
    about: 'KStream.join(KStream) with JoinWindows.ofTimeDifferenceWithNoGrace',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.join(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceWithNoGrace(5)).to('out'),
    ),
  },
  streamJoinGrace: {
    about: 'KStream.join(KStream) with grace and a joiner that reads the key',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.join(o, (v, x, k) => `${k}:${cat(v, x, '+')}`, JoinWindows.ofTimeDifferenceAndGrace(5, 20)).to('out'),
    ),
  },
  streamLeftJoin: {
    about: 'KStream.leftJoin(KStream): unjoined left records wait for the window to close',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.leftJoin(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceAndGrace(5, 3)).to('out'),
    ),
  },
  streamLeftJoinNoGrace: {
    about: 'KStream.leftJoin(KStream) without grace',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.leftJoin(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceWithNoGrace(5)).to('out'),
    ),
  },
  streamOuterJoin: {
    about: 'KStream.outerJoin(KStream): unjoined records of both sides wait for their windows to close',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.outerJoin(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceAndGrace(5, 3)).to('out'),
    ),
  },
  streamOuterJoinBeforeAfter: {
    about: 'KStream.outerJoin(KStream) with asymmetric windows (before 1, after 8)',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s
        .outerJoin(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceWithNoGrace(3).before(1).after(8))
        .to('out'),
    ),
  },
  streamJoinAfterBefore: {
    about: 'KStream.join(KStream) looking back only (after 0)',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s.join(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceAndGrace(4, 2).after(0)).to('out'),
    ),
  },
  selectKeyStreamOuterJoin: {
    about: 'selectKey, then a named KStream.outerJoin(KStream) through a repartition topic',
    inputs: IN_IN2,
    outputs: out(),
    excludeNullKeys: true,
    build: streams((s, o) =>
      s
        .selectKey((_k, v) => first(v) as string)
        .outerJoin(o, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceAndGrace(5, 3), {
          keySerde: S,
          valueSerde: S as Serde<string | null>,
          otherValueSerde: S as Serde<string | null>,
          name: 'sj',
          storeName: 'sj-store',
        })
        .to('out'),
    ),
  },

  tableJoin: {
    about: 'KTable.join(KTable)',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .join(o, (v, x) => cat(v, x, '+'))
        .toStream()
        .to('out'),
    ),
  },
  tableLeftJoin: {
    about: 'KTable.leftJoin(KTable)',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .leftJoin(o, (v, x) => cat(v, x, '+'))
        .toStream()
        .to('out'),
    ),
  },
  tableOuterJoin: {
    about: 'KTable.outerJoin(KTable)',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .outerJoin(o, (v, x) => cat(v, x, '+'))
        .toStream()
        .to('out'),
    ),
  },
  tableJoinMaterializedFilter: {
    about:
      'a materialized KTable.join(KTable), then filter: the join sends old values and forces its tables to',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .join(o, (v, x) => cat(v, x, '+'), { storeName: 'joined-store', valueSerde: S })
        .filter((_k, v) => startsWithA(v))
        .toStream()
        .to('out'),
    ),
  },
  tableLeftJoinGroupByCount: {
    about: 'KTable.leftJoin(KTable), then groupBy().count(): old values retract',
    inputs: TABLES,
    outputs: out('string', 'long'),
    build: tables((t, o) =>
      t
        .leftJoin(o, (v, x) => cat(v, x, '+'))
        .groupBy((_k, v) => ({ key: first(v) as string, value: v }), { keySerde: S, valueSerde: S })
        .count()
        .toStream()
        .to('out', LONG),
    ),
  },
  tableOuterJoinFilter: {
    about: 'KTable.outerJoin(KTable), then filter',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .outerJoin(o, (v, x) => cat(v, x, '+'))
        .filter((_k, v) => startsWithA(v))
        .toStream()
        .to('out'),
    ),
  },
  tableMapValuesJoin: {
    about: 'KTable.mapValues (read through its getter), then join(KTable)',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .mapValues(upper)
        .join(o, (v, x) => cat(v, x, '+'))
        .toStream()
        .to('out'),
    ),
  },
  tableLeftJoinFilterNotNamed: {
    about: 'a named KTable.leftJoin of a filtered table',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .leftJoin(
          o.filterNot((_k, v) => startsWithA(v)),
          (v, x) => cat(v, x, '+'),
          undefined,
          { name: 'lj' },
        )
        .toStream()
        .to('out'),
    ),
  },

  cogroup: {
    about: 'KGroupedStream.cogroup(...).cogroup(...).aggregate()',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s
        .groupByKey()
        .cogroup<string>((_k, v, a) => `${a}${v}`)
        .cogroup(o.groupByKey(), (_k, v, a) => `${a}|${v}`)
        .aggregate(() => '', { valueSerde: S })
        .toStream()
        .to('out'),
    ),
  },
  cogroupRekeyed: {
    about: 'a cogroup whose first stream is re-keyed (repartitioned), named',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s
        .groupBy((_k, v) => first(v) as string, { keySerde: S, valueSerde: S as Serde<string | null> })
        .cogroup<string>((_k, v, a) => `${a}${v}`)
        .cogroup(o.groupByKey(), (_k, v, a) => `${a}|${v}`)
        .aggregate(() => '', { valueSerde: S }, { name: 'cg' })
        .toStream()
        .to('out'),
    ),
  },
  cogroupWindowed: {
    about: 'a cogroup in tumbling windows',
    inputs: IN_IN2,
    outputs: out('window'),
    build: streams((s, o) =>
      s
        .groupByKey()
        .cogroup<string>((_k, v, a) => `${a}${v}`)
        .cogroup(o.groupByKey(), (_k, v, a) => `${a}|${v}`)
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .aggregate(() => '', { valueSerde: S })
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  cogroupSliding: {
    about: 'a cogroup in sliding windows',
    inputs: IN_IN2,
    outputs: out('window'),
    build: streams((s, o) =>
      s
        .groupByKey()
        .cogroup<string>((_k, v, a) => `${a}${v}`)
        .cogroup(o.groupByKey(), (_k, v, a) => `${a}|${v}`)
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5))
        .aggregate(() => '', { valueSerde: S })
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  cogroupSession: {
    about: 'a cogroup in session windows',
    inputs: IN_IN2,
    outputs: out('session'),
    build: streams((s, o) =>
      s
        .groupByKey()
        .cogroup<string>((_k, v, a) => `${a}${v}`)
        .cogroup(o.groupByKey(), (_k, v, a) => `${a}|${v}`)
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
        .aggregate(
          () => '',
          (_k, x, y) => `${x}&${y}`,
          { valueSerde: S },
        )
        .toStream()
        .to('out', { keySerde: SW as never }),
    ),
  },

  fkJoin: {
    about: 'KTable.join(KTable, foreignKeyExtractor, joiner): a foreign-key join',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .join(
          o,
          (v) => first(v),
          (v, x) => cat(v, x, '+'),
        )
        .toStream()
        .to('out'),
    ),
  },
  fkLeftJoin: {
    about: 'KTable.leftJoin(KTable, foreignKeyExtractor, joiner)',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .leftJoin(
          o,
          (v) => first(v),
          (v, x) => cat(v, x, '+'),
        )
        .toStream()
        .to('out'),
    ),
  },
  fkJoinNamed: {
    about: 'a named, materialized foreign-key join',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .join(
          o,
          (v) => first(v),
          (v, x) => cat(v, x, '+'),
          { storeName: 'fk-store', valueSerde: S },
          { name: 'fk' },
        )
        .toStream()
        .to('out'),
    ),
  },
  fkLeftJoinFilter: {
    about: 'a foreign-key left join of a filtered table, then filter',
    inputs: TABLES,
    outputs: out(),
    build: tables((t, o) =>
      t
        .leftJoin(
          o.filter((_k, v) => !v.startsWith('x')),
          (v) => first(v),
          (v, x) => cat(v, x, '+'),
        )
        .filter((_k, v) => v.endsWith('null'))
        .toStream()
        .to('out'),
    ),
  },

  streamSelfJoin: {
    about: 'a stream joined with itself: each record also meets itself',
    inputs: IN,
    outputs: out(),
    build: stream((s) =>
      s.join(s, (v, x) => cat(v, x, '+'), JoinWindows.ofTimeDifferenceWithNoGrace(3)).to('out'),
    ),
  },
  reduceOuterJoinReduce: {
    about: 'two reduced tables outer-joined, then filtered: aggregates as join inputs, old values forced',
    inputs: IN_IN2,
    outputs: out(),
    build: streams((s, o) =>
      s
        .groupByKey()
        .reduce((a, v) => `${a}${v}`)
        .outerJoin(
          o.groupByKey().reduce((a, v) => `${a}${v}`),
          (v, x) => cat(v, x, '+'),
        )
        .filter((_k, v) => v.length < 12)
        .toStream()
        .to('out'),
    ),
  },

  streamJoinTableOuterJoin: {
    about: 'KStream.join with a filtered, unmaterialized table-table outer join: read through both getters',
    inputs: ['table', 'table2', 'in'],
    outputs: out(),
    build: (storeType) => {
      const b = builder(storeType)
      const t = b
        .table<string, string>('table', { keySerde: S, valueSerde: S })
        .outerJoin(b.table<string, string>('table2', { keySerde: S, valueSerde: S }), (v, x) =>
          cat(v, x, '+'),
        )
        .filter((_k, v) => !v.startsWith('b'))
      b.stream<string, string | null>('in')
        .join(t, (v, x) => cat(v, x, '*'))
        .to('out')
      return b.build()
    },
  },

  windowedCountLeftJoin: {
    about: 'two windowed counts left-joined: a windowed table read by window',
    inputs: IN_IN2,
    outputs: out('window'),
    build: streams((s, o) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .count()
        .leftJoin(o.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count(), (x, y) => `${x}+${y}`)
        .toStream()
        .to('out', { keySerde: W10 as never }),
    ),
  },
  sessionCountOuterJoin: {
    about: 'two session counts outer-joined: a session table read by session',
    inputs: IN_IN2,
    outputs: out('session'),
    build: streams((s, o) =>
      s
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
        .count()
        .outerJoin(
          o.groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2)).count(),
          (x, y) => `${x}+${y}`,
        )
        .toStream()
        .to('out', { keySerde: SW as never }),
    ),
  },
}
