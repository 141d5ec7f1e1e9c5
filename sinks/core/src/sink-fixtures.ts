/** What the sink runner's tests share: a memory broker, the sink under test and its records. */
import anyTest, { type TestFn } from 'ava'
import { pino } from 'pino'
import {
  Contracts,
  InMemorySchemaRegistry,
  createAvroSerde,
  type AvroSerde,
  type DeadLetter,
} from '@oxagry/avro'
import { MemoryBackend, type BrokerRecord } from '@oxagry/kafka'
import type { SinkOptions } from './options.ts'
import { runSink } from './runner.ts'
import type { SinkHandle } from './sink-health.ts'
import type { SinkTarget } from './target.ts'

export interface Item {
  readonly n: number
}

export interface Context {
  backend: MemoryBackend
  deadLetters: AvroSerde<DeadLetter>
  sinks: SinkHandle[]
}

export const TOPIC = 'fleet.machine-pings.v1'
export const DLQ = 'fleet.dead-letters.v1'
export const GROUP = 'sink-test'
export const silent = pino({ level: 'silent' })

/**
 * ava's test on a fresh memory broker with the topic and its dead-letter topic; the sinks a test
 * started are stopped after it.
 */
export function sinkTest(): TestFn<Context> {
  const test = anyTest as TestFn<Context>
  test.beforeEach(async (t) => {
    const backend = new MemoryBackend()
    backend.broker.createTopic({ name: TOPIC, partitions: 2, config: {} })
    backend.broker.createTopic({ name: DLQ, partitions: 1, config: {} })
    const deadLetters = await createAvroSerde({
      registry: new InMemorySchemaRegistry(),
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [DLQ],
    })
    t.context = { backend, deadLetters, sinks: [] }
  })

  test.afterEach.always(async (t) => {
    await Promise.all(t.context.sinks.map((s) => s.stop()))
  })
  return test
}

export function produce(backend: MemoryBackend, values: readonly string[], partition = 0): void {
  backend.broker.append(
    values.map((v) => ({
      topic: TOPIC,
      partition,
      key: Buffer.from('MF-1'),
      value: Buffer.from(v),
      timestamp: 1000,
      headers: { trace: Buffer.from('t-1') },
    })),
  )
}

export const json = (n: number): string => JSON.stringify({ n })

export function decode(record: BrokerRecord): Item {
  const parsed = JSON.parse(record.value?.toString() ?? 'null') as Item | null
  if (parsed === null || typeof parsed.n !== 'number') throw new TypeError('not an item')
  return parsed
}

export async function start(
  t: { context: Context },
  target: SinkTarget<Item>,
  overrides: Partial<SinkOptions<Item>> = {},
): Promise<SinkHandle> {
  const sink = await runSink<Item>({
    backend: t.context.backend,
    groupId: GROUP,
    topics: [TOPIC],
    decode,
    target,
    batch: { maxRecords: 4, maxWaitMs: 40 },
    retry: { attempts: 4, baseMs: 2, maxMs: 10 },
    deadLetter: { topic: DLQ, serializer: t.context.deadLetters },
    logger: silent,
    lagIntervalMs: 0,
    ...overrides,
  })
  t.context.sinks.push(sink)
  return sink
}

export function committed(backend: MemoryBackend, partition = 0): string | undefined {
  return backend.broker.committed(GROUP, { topic: TOPIC, partition })
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function deadLettersOf(t: { context: Context }) {
  return Promise.all(
    t.context.backend.broker.fetch(DLQ, 0, 0, 100, false).records.map(async (r) => ({
      record: r,
      value: (await t.context.deadLetters.deserialize(DLQ, r.value!, r.headers)) as DeadLetter,
    })),
  )
}

export const partition0 = { topic: TOPIC, partition: 0 }

export const recordsAt = (offsets: readonly number[]): BrokerRecord[] =>
  offsets.map((o) => ({
    topic: TOPIC,
    partition: 0,
    offset: String(o),
    key: null,
    value: Buffer.from(json(o)),
    timestamp: 0,
    headers: {},
  }))
