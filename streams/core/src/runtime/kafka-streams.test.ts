import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import {
  KAFKA_ERROR_CODES,
  KafkaError,
  MemoryBackend,
  Serdes,
  type ConsumerHandlers,
  type Serde,
  type TopicSpec,
} from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import { KafkaStreams, StreamsState, DEAD_LETTER_HEADERS } from './kafka-streams.ts'
import type { StreamsConfig } from './config.ts'

const S = Serdes.String()
const L = Serdes.Long()
const silent = pino({ level: process.env.TEST_LOG ?? 'silent' })

function setup(partitions = 2): MemoryBackend {
  const backend = new MemoryBackend()
  for (const name of ['in', 'out', 'products']) backend.broker.createTopic({ name, partitions, config: {} })
  return backend
}

function produce(
  backend: MemoryBackend,
  topic: string,
  records: [string | null, string | null, number][],
): void {
  backend.broker.append(
    records.map(([k, v, ts]) => ({
      topic,
      key: k === null ? null : Buffer.from(k),
      value: v === null ? null : Buffer.from(v),
      timestamp: ts,
      headers: {},
    })),
  )
}

function readAll<V>(
  backend: MemoryBackend,
  topic: string,
  valueSerde: Serde<V>,
  readCommitted = true,
): [string, V][] {
  const out: [string, V][] = []
  const partitions = backend.broker.partitionCount(topic) ?? 0
  for (let p = 0; p < partitions; p++) {
    for (const r of backend.broker.fetch(topic, p, 0, 1_000_000, readCommitted).records) {
      out.push([
        r.key?.toString() ?? '',
        r.value === null ? (null as V) : (valueSerde.deserialize(topic, r.value, {}) as V),
      ])
    }
  }
  return out
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function countTopology(): ReturnType<StreamsBuilder['build']> {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { valueSerde: L as never })
  return b.build()
}

function config(backend: MemoryBackend, overrides: Partial<StreamsConfig> = {}): StreamsConfig {
  return {
    applicationId: 'counter',
    backend,
    logger: silent,
    stateDir: mkdtempSync(join(tmpdir(), 'streams-test-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
    ...overrides,
  }
}

test('at-least-once: processes, commits offsets after outputs, and reaches RUNNING', async (t) => {
  const backend = setup()
  const streams = new KafkaStreams(countTopology(), config(backend))
  const states: string[] = []
  streams.onStateChange((s) => states.push(s))
  await streams.start()
  produce(backend, 'in', [
    ['a', 'x', 1],
    ['b', 'x', 2],
    ['a', 'x', 3],
  ])
  await until(() => readAll(backend, 'out', L).length === 3)
  t.deepEqual(Object.fromEntries(readAll(backend, 'out', L)), { a: 2, b: 1 })
  await until(() => streams.health().ready)
  await streams.close()
  t.is(streams.state, StreamsState.NOT_RUNNING)
  t.true(states.includes('RUNNING'))
  const committed = [0, 1].map((p) =>
    Number(backend.broker.committed('counter', { topic: 'in', partition: p }) ?? 0),
  )
  t.is(committed[0]! + committed[1]!, 3)
  t.is(backend.broker.partitionCount('counter-counts-changelog'), 2)
})

test('exactly-once: a crash aborts the open transaction; the restart restores state and emits no duplicate', async (t) => {
  const backend = setup(1)
  const cfg = config(backend, { processingGuarantee: 'exactly_once', commitIntervalMs: 1_000_000 })
  const first = new KafkaStreams(countTopology(), cfg)
  await first.start()
  produce(backend, 'in', [
    ['a', 'x', 1],
    ['a', 'x', 2],
  ])
  await until(() => readAll(backend, 'out', L, false).length === 2)
  // Nothing is committed yet (the interval is long): a read_committed reader sees nothing.
  t.deepEqual(readAll(backend, 'out', L), [])
  // Crash: the instance dies without committing.
  await (first as unknown as { shutdown(clean: boolean): Promise<void> }).shutdown(false)
  const second = new KafkaStreams(countTopology(), { ...cfg, commitIntervalMs: 20 })
  await second.start()
  produce(backend, 'in', [['a', 'x', 3]])
  await until(() => readAll(backend, 'out', L).length === 3)
  await second.close()
  // Records 1 and 2 are processed again, but only once visibly: counts 1, 2, 3 and never a duplicate.
  t.deepEqual(readAll(backend, 'out', L), [
    ['a', 1],
    ['a', 2],
    ['a', 3],
  ])
})

test('exactly-once: a task whose producer is fenced is created again from its changelog and counts nothing twice', async (t) => {
  const backend = setup(1)
  const cfg = config(backend, { processingGuarantee: 'exactly_once', commitIntervalMs: 1_000_000 })
  const streams = new KafkaStreams(countTopology(), cfg)
  await streams.start()
  produce(backend, 'in', [
    ['a', 'x', 1],
    ['a', 'x', 2],
  ])
  await until(() => readAll(backend, 'out', L, false).length === 2)
  // Another producer claims the task's transactional id: the open transaction is aborted, and the task's
  // next send is refused as fenced.
  await backend.producer({ transactionalId: 'counter-0_0' })
  produce(backend, 'in', [['a', 'x', 3]])
  await until(() => readAll(backend, 'out', L, false).length >= 5)
  t.is(streams.state, StreamsState.RUNNING)
  t.is(streams.error, undefined)
  await streams.close()
  // The aborted counts 1, 2 are invisible; the task counted the three records again, once.
  t.deepEqual(readAll(backend, 'out', L), [
    ['a', 1],
    ['a', 2],
    ['a', 3],
  ])
})

test('state survives a clean restart through the changelog', async (t) => {
  const backend = setup(1)
  const cfg = config(backend)
  const first = new KafkaStreams(countTopology(), cfg)
  await first.start()
  produce(backend, 'in', [
    ['m', 'x', 1],
    ['m', 'x', 2],
  ])
  await until(() => readAll(backend, 'out', L).length === 2)
  await first.close()
  const second = new KafkaStreams(countTopology(), {
    ...cfg,
    stateDir: mkdtempSync(join(tmpdir(), 'streams-test-')),
  })
  await second.start()
  produce(backend, 'in', [['m', 'x', 3]])
  await until(() => readAll(backend, 'out', L).length === 3)
  t.deepEqual(readAll(backend, 'out', L).at(-1), ['m', 3])
  t.deepEqual(second.restoration(), [{ task: '0_0', store: 'counts', restored: 1, total: 1 }])
  await second.close()
})

test('two instances share the partitions; when one leaves, its state moves through the changelog', async (t) => {
  const backend = setup(2)
  const a = new KafkaStreams(countTopology(), config(backend))
  const b = new KafkaStreams(countTopology(), config(backend))
  await a.start()
  await b.start()
  await until(() => a.taskIds.length === 1 && b.taskIds.length === 1)
  t.notDeepEqual(a.taskIds, b.taskIds)
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
  produce(
    backend,
    'in',
    keys.map((k, i) => [k, 'x', i] as [string, string, number]),
  )
  await until(() => readAll(backend, 'out', L).length === 20)
  await b.close()
  await until(() => a.taskIds.length === 2)
  produce(
    backend,
    'in',
    keys.map((k, i) => [k, 'x', 100 + i] as [string, string, number]),
  )
  await until(() => readAll(backend, 'out', L).length === 40)
  const latest = new Map(readAll(backend, 'out', L))
  t.true(
    keys.every((k) => latest.get(k) === 2),
    JSON.stringify([...latest]),
  )
  await a.close()
})

test('a record that does not deserialize goes to the dead-letter topic with its bytes and the reason', async (t) => {
  const backend = setup(1)
  const strict: Serde<string> = {
    serialize: (_t, v) => Buffer.from(v),
    deserialize: (_t, b) => {
      const s = b.toString()
      if (!s.startsWith('{')) throw Object.assign(new Error(`not JSON: ${s}`), { code: 'BAD_JSON' })
      return s
    },
  }
  const b = new StreamsBuilder({ defaultKeySerde: S as never })
  b.stream<string, string>('in', { valueSerde: strict }).to('out', { valueSerde: S })
  const streams = new KafkaStreams(
    b.build(),
    config(backend, { deserializationErrorHandler: { deadLetterTopic: 'dlq' } }),
  )
  await streams.start()
  produce(backend, 'in', [
    ['k1', '{"ok":1}', 1],
    ['k2', 'garbage', 2],
    ['k3', '{"ok":3}', 3],
  ])
  await until(
    () =>
      readAll(backend, 'out', S).length === 2 &&
      (backend.broker.partitionCount('dlq') ?? 0) > 0 &&
      backend.broker.endOffset('dlq', 0) === 1,
  )
  await streams.close()
  const [dead] = backend.broker.fetch('dlq', 0, 0, 10, false).records
  t.is(dead?.value?.toString(), 'garbage')
  t.is(dead?.key?.toString(), 'k2')
  t.is(dead?.headers[DEAD_LETTER_HEADERS.code]?.toString(), 'BAD_JSON')
  t.is(dead?.headers[DEAD_LETTER_HEADERS.topic]?.toString(), 'in')
  t.is(dead?.headers[DEAD_LETTER_HEADERS.offset]?.toString(), '1')
  t.deepEqual(
    readAll(backend, 'out', S).map(([k]) => k),
    ['k1', 'k3'],
  )
})

test('with the fail handler a bad record stops the instance in ERROR without committing it', async (t) => {
  const backend = setup(1)
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .mapValues((v) => {
      if (v === 'boom') throw new Error('cannot process boom')
      return v
    })
    .to('out')
  const streams = new KafkaStreams(b.build(), config(backend))
  await streams.start()
  produce(backend, 'in', [['k', 'boom', 1]])
  await until(() => streams.state === StreamsState.ERROR)
  t.regex(streams.error?.message ?? '', /processing failed on in\[0\]@0: cannot process boom/)
  t.false(streams.health().live)
  t.is(streams.health().error?.code, streams.error?.code)
  t.regex(streams.health().error?.message ?? '', /cannot process boom/)
  t.is(backend.broker.committed('counter', { topic: 'in', partition: 0 }), undefined)
})

test('a global table is loaded before processing and joined at runtime', async (t) => {
  const backend = setup(1)
  produce(backend, 'products', [['p1', 'seed drill', 1]])
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const products = b.globalTable<string, string>('products')
  b.stream<string, string>('in')
    .leftJoinGlobal(
      products,
      (_k, v) => v,
      (v, name) => `${v}=${name ?? 'unknown'}`,
    )
    .to('out')
  const streams = new KafkaStreams(b.build(), config(backend))
  await streams.start()
  produce(backend, 'in', [
    ['o1', 'p1', 2],
    ['o2', 'p2', 3],
  ])
  await until(() => readAll(backend, 'out', S).length === 2)
  t.deepEqual(
    readAll(backend, 'out', S).map(([, v]) => v),
    ['p1=seed drill', 'p2=unknown'],
  )
  await streams.close()
})

test('joins of inputs with different partition counts fail at start naming the join', async (t) => {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'pings', partitions: 3, config: {} })
  backend.broker.createTopic({ name: 'fields', partitions: 2, config: {} })
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('pings')
    .join(b.table<string, string>('fields'), (p, f) => `${p}${f}`, { name: 'ping-field-join' })
    .to('out')
  const streams = new KafkaStreams(b.build(), config(backend))
  const error = await t.throwsAsync(streams.start())
  t.regex(
    error.message,
    /join ping-field-join needs co-partitioned inputs, but pings has 3, fields has 2 partitions/,
  )
})

test('an invalid config is rejected naming each bad field', (t) => {
  const error = t.throws(
    () =>
      new KafkaStreams(countTopology(), {
        applicationId: 'bad id',
        backend: new MemoryBackend(),
        commitIntervalMs: -5,
        processingGuarantee: 'twice' as never,
      }),
  )
  t.regex(error.message, /\/config\/applicationId must match pattern/)
  t.regex(error.message, /\/config\/commitIntervalMs must be >= 1/)
  t.regex(error.message, /\/config\/processingGuarantee must be equal to one of the allowed values/)
})

test('metrics count processed records, store entries, dead letters and the state', async (t) => {
  const backend = setup(1)
  const streams = new KafkaStreams(countTopology(), config(backend))
  await streams.start()
  produce(backend, 'in', [
    ['a', 'x', 1],
    ['b', 'x', 2],
    ['a', 'x', 3],
  ])
  await until(() => readAll(backend, 'out', L).length === 3)
  const text = await streams.metrics.registry.metrics()
  t.regex(text, /oxagry_streams_records_processed_total\{application="counter",subtopology="0"\} 3/)
  t.regex(text, /oxagry_streams_store_entries\{application="counter",store="counts",task="0_0"\} 2/)
  t.regex(text, /oxagry_streams_state\{application="counter",state="RUNNING"\} 1/)
  await streams.close()
})

test('a dead-letter formatter builds the record (an envelope), and the error headers are still added', async (t) => {
  const backend = setup(1)
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .mapValues((v) => {
      if (v === 'bad') throw Object.assign(new Error('refused'), { code: 'REFUSED' })
      return v
    })
    .to('out')
  const streams = new KafkaStreams(
    b.build(),
    config(backend, {
      processingErrorHandler: {
        deadLetterTopic: 'dlq',
        format: (failure) => ({
          key: Buffer.from(`${failure.record.topic}:${failure.record.partition}:${failure.record.offset}`),
          value: Buffer.from(
            JSON.stringify({
              stage: failure.stage,
              code: failure.code,
              original: failure.record.value?.toString(),
            }),
          ),
        }),
      },
    }),
  )
  await streams.start()
  produce(backend, 'in', [['k', 'bad', 1]])
  await until(
    () => (backend.broker.partitionCount('dlq') ?? 0) > 0 && backend.broker.endOffset('dlq', 0) === 1,
  )
  await streams.close()
  const [dead] = backend.broker.fetch('dlq', 0, 0, 10, false).records
  t.is(dead?.key?.toString(), 'in:0:0')
  t.deepEqual(JSON.parse(dead?.value?.toString() ?? '{}'), {
    stage: 'processing',
    code: 'REFUSED',
    original: 'bad',
  })
  t.is(dead?.headers[DEAD_LETTER_HEADERS.code]?.toString(), 'REFUSED')
})

test('a retriable deserialization error stops the instance instead of dead-lettering a good record', async (t) => {
  const backend = setup(1)
  const registryDown: Serde<string> = {
    serialize: (_t, v) => Buffer.from(v),
    deserialize: () => {
      throw Object.assign(new Error('schema registry unavailable'), {
        code: 'REGISTRY_UNAVAILABLE',
        retriable: true,
      })
    },
  }
  const b = new StreamsBuilder({ defaultKeySerde: S as never })
  b.stream<string, string>('in', { valueSerde: registryDown }).to('out', { valueSerde: S })
  const streams = new KafkaStreams(
    b.build(),
    config(backend, { deserializationErrorHandler: { deadLetterTopic: 'dlq' } }),
  )
  await streams.start()
  produce(backend, 'in', [['k', 'fine bytes', 1]])
  await until(() => streams.state === StreamsState.ERROR)
  t.regex(streams.error?.message ?? '', /schema registry unavailable/)
  t.is(backend.broker.endOffset('dlq', 0), 0, 'nothing dead-lettered')
  t.is(backend.broker.committed('counter', { topic: 'in', partition: 0 }), undefined, 'nothing committed')
})

test('a broker that cannot say where partitions end (for the lag gauge) does not stop the instance', async (t) => {
  const backend = setup(1)
  const admin = backend.admin.bind(backend)
  let asked = 0
  backend.admin = async () => {
    const real = await admin()
    return Object.assign(Object.create(real) as typeof real, {
      endOffsets: async (): Promise<Map<number, string>> => {
        asked++
        throw new Error('request timed out')
      },
    })
  }
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .mapValues((v) => v.toUpperCase())
    .to('out')
  const streams = new KafkaStreams(b.build(), config(backend, { pollIntervalMs: 10 }))
  await streams.start()
  produce(backend, 'in', [['k', 'a', 1]])
  await until(() => readAll(backend, 'out', S).length === 1 && asked > 0)
  produce(backend, 'in', [['k', 'b', 2]])
  await until(() => readAll(backend, 'out', S).length === 2)
  t.is(streams.state, StreamsState.RUNNING)
  t.is(streams.error, undefined)
  await streams.close()
})

test('a consumer that gives up for good puts the instance in ERROR with its error, not idle and RUNNING', async (t) => {
  const backend = setup(1)
  const consumer = backend.consumer.bind(backend)
  let failed: ((error: unknown) => void) | undefined
  backend.consumer = (options) => {
    const real = consumer(options)
    const run = real.run.bind(real)
    real.run = (topics: readonly string[], handlers: ConsumerHandlers) => {
      failed = handlers.onFailed
      return run(topics, handlers)
    }
    return real
  }
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in').to('out')
  const streams = new KafkaStreams(b.build(), config(backend))
  await streams.start()
  t.is(streams.state, StreamsState.RUNNING)
  failed?.(new KafkaError(KAFKA_ERROR_CODES.BROKER, 'consuming: the coordinator refused this member'))
  await until(() => streams.state === StreamsState.ERROR)
  t.is(streams.error?.code, STREAMS_ERROR_CODES.BROKER)
  t.regex(streams.error?.message ?? '', /coordinator refused/)
  t.false(streams.health().live)
})

test('internal topics get the configured replication factor, and the backend’s own default without one', async (t) => {
  const created: { name: string; replicationFactor?: number }[] = []
  const recording = (): MemoryBackend => {
    const backend = new MemoryBackend()
    backend.broker.createTopic({ name: 'in', partitions: 1, config: {} })
    backend.broker.createTopic({ name: 'out', partitions: 1, config: {} })
    const admin = backend.admin.bind(backend)
    backend.admin = async () => {
      const real = await admin()
      return Object.assign(Object.create(real) as typeof real, {
        createTopics: async (topics: readonly TopicSpec[]) => {
          created.push(
            ...topics.map((s) => ({
              name: s.name,
              ...(s.replicationFactor === undefined ? {} : { replicationFactor: s.replicationFactor }),
            })),
          )
          await real.createTopics(topics)
        },
      })
    }
    return backend
  }
  const configured = new KafkaStreams(countTopology(), config(recording(), { replicationFactor: 3 }))
  await configured.start()
  await configured.close()
  t.deepEqual(created, [{ name: 'counter-counts-changelog', replicationFactor: 3 }])
  created.length = 0
  const defaulted = new KafkaStreams(countTopology(), config(recording()))
  await defaulted.start()
  await defaulted.close()
  t.deepEqual(created, [{ name: 'counter-counts-changelog' }])
})
