import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { pino } from 'pino'
import { Counter, Registry } from 'prom-client'
import {
  MemoryBackend,
  Serdes,
  type BackendConsumer,
  type KafkaBackend,
  type ProducerOptions,
} from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { AsyncReadOnlyKeyValueStore } from '../state/async-read-only.ts'
import { countTopology } from './integration-fixtures.ts'
import { resolveConfig, type StreamsConfig } from './config.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'
import { mergeThreadMetrics } from './thread-metrics.ts'
import { threadOptions } from './thread-module.ts'
import { instanceState } from './thread-pool.ts'
import type { ThreadStatus } from './thread-protocol.ts'
import { threadStoreView } from './thread-stores.ts'
import { fixtureModule } from './thread-fixtures.ts'

const silent = pino({ level: 'silent' })

/** A memory backend under another name: the main thread of a threaded instance refuses 'memory'. */
/** What the runtime asks a backend's consumer for (the memory backend's own signature drops the id). */
type ConsumerOptions = Parameters<KafkaBackend['consumer']>[0]

class InProcessBackend extends MemoryBackend {
  readonly asked: ConsumerOptions[] = []
  constructor(transactionalIds?: 'per-thread') {
    super(undefined, transactionalIds === undefined ? {} : { transactionalIds })
    Object.defineProperty(this, 'name', { value: 'in-process', writable: true })
    for (const name of ['in', 'out']) this.broker.createTopic({ name, partitions: 2, config: {} })
  }
  override consumer(options: ConsumerOptions): BackendConsumer {
    this.asked.push(options)
    return super.consumer(options)
  }
}

function config(overrides: Partial<StreamsConfig>): StreamsConfig {
  return { applicationId: 'app', backend: new InProcessBackend(), logger: silent, ...overrides }
}

function invalid(t: ExecutionContext, make: () => unknown, message: RegExp): void {
  const error = t.throws(make, { instanceOf: StreamsError, message })
  t.is(error?.code, STREAMS_ERROR_CODES.INVALID_CONFIG)
}

test('numStreamThreads is checked once: a whole number from 1, a module above 1, no standbys, no single-isolate backend', (t) => {
  t.is(resolveConfig(config({}), '/tmp').numStreamThreads, 1, 'one thread by default')
  invalid(t, () => resolveConfig(config({ numStreamThreads: 0 }), '/tmp'), /\/config\/numStreamThreads/)
  invalid(t, () => resolveConfig(config({ numStreamThreads: 1.5 }), '/tmp'), /\/config\/numStreamThreads/)
  invalid(t, () => resolveConfig(config({ numStreamThreads: 2 }), '/tmp'), /needs \/config\/threadModule/)
  invalid(
    t,
    () => resolveConfig(config({ numStreamThreads: 2, threadModule: 'm.ts', numStandbyReplicas: 1 }), '/tmp'),
    /numStandbyReplicas is not supported/,
  )
  const rdkafka = Object.assign(new InProcessBackend(), { name: 'rdkafka' })
  invalid(
    t,
    () => resolveConfig(config({ numStreamThreads: 2, threadModule: 'm.ts', backend: rdkafka }), '/tmp'),
    /rdkafka backend: node-rdkafka's native addon loads in one thread/,
  )
  invalid(
    t,
    () =>
      resolveConfig(
        config({ numStreamThreads: 2, threadModule: 'm.ts', backend: new MemoryBackend() }),
        '/tmp',
      ),
    /memory backend: the memory broker lives in one isolate/,
  )
})

test('a thread receives the options a structured clone carries; what holds closures its module builds', (t) => {
  const resolved = resolveConfig(
    config({
      processingGuarantee: 'exactly_once',
      deserializationErrorHandler: 'log-and-continue',
      processingErrorHandler: { deadLetterTopic: 'dlq', format: () => ({ key: null, value: null }) },
      defaultKeySerde: Serdes.String() as never,
      metricsRegistry: new Registry(),
      applicationServer: 'localhost:8080',
      numStreamThreads: 2,
      threadModule: 'm.ts',
    }),
    '/tmp/state',
  )
  const options = threadOptions(resolved)
  t.notThrows(() => structuredClone(options))
  t.like(options, {
    applicationId: 'app',
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 100,
    stateDir: '/tmp/state',
    deserializationErrorHandler: 'log-and-continue',
    numStreamThreads: 2,
  })
  for (const key of [
    'backend',
    'logger',
    'metricsRegistry',
    'defaultKeySerde',
    'processingErrorHandler',
    'threadModule',
    'applicationServer',
  ]) {
    t.false(key in options, `${key} stays in the main thread`)
  }
})

test('a thread of several names its clients and transactional id after its number, under the process id it is given', async (t) => {
  const backend = new InProcessBackend('per-thread')
  const producers: ProducerOptions[] = []
  const produce = backend.producer.bind(backend)
  backend.producer = (options: ProducerOptions) => {
    producers.push(options)
    return produce(options)
  }
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config({
      backend,
      processingGuarantee: 'exactly_once',
      stateDir: mkdtempSync(join(tmpdir(), 'streams-threads-')),
    }),
    { thread: { index: 2, processId: '00000000-0000-4000-8000-000000000000' } },
  )
  await streams.start()
  await streams.close()
  t.deepEqual(
    backend.asked.map((c) => c.clientId),
    ['app-StreamThread-2-consumer'],
  )
  t.deepEqual(producers[0], {
    clientId: 'app-00000000-0000-4000-8000-000000000000-2-producer',
    transactionalId: 'app-00000000-0000-4000-8000-000000000000-2',
  })
})

test('one thread (the default) keeps its clients named as before', async (t) => {
  const backend = new InProcessBackend()
  const streams = new KafkaStreams(countTopology('in', 'out'), config({ backend }))
  await streams.start()
  await streams.close()
  t.deepEqual(
    backend.asked.map((c) => c.clientId),
    ['app-consumer'],
  )
})

test('a threaded instance reads stores only asynchronously: its stores are in the workers', (t) => {
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config({ numStreamThreads: 2, threadModule: 'm.ts' }),
  )
  invalid(t, () => streams.store('counts', 'keyValue'), /use asyncStore/)
  invalid(t, () => streams.localStores('counts'), /use asyncStore/)
})

for (const [what, module, message] of [
  [
    'has no buildStreamThread export',
    new URL('./streams-state.ts', import.meta.url).href,
    /has no buildStreamThread/,
  ],
  ['builds a memory backend', fixtureModule({ client: 'memory' }), /memory backend: the memory broker/],
] as const) {
  test(`a thread module that ${what} fails start() with a typed error, and the instance with it`, async (t) => {
    const streams = new KafkaStreams(
      countTopology('in', 'out'),
      config({
        numStreamThreads: 2,
        threadModule: module,
        stateDir: mkdtempSync(join(tmpdir(), 'streams-threads-')),
      }),
    )
    const error = await t.throwsAsync(streams.start(), { instanceOf: StreamsError, message })
    t.is(error?.code, STREAMS_ERROR_CODES.INVALID_CONFIG)
    t.is(streams.state, StreamsState.ERROR)
    t.is(streams.health().live, false)
    await streams.close({ timeoutMs: 5000 })
  })
}

test('a thread module in plain JavaScript is imported and built in every worker, and the threads run', async (t) => {
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config({
      numStreamThreads: 2,
      threadModule: new URL('./thread-fixture-plain.js', import.meta.url).href,
      stateDir: mkdtempSync(join(tmpdir(), 'streams-threads-')),
    }),
  )
  try {
    await streams.start()
    const deadline = Date.now() + 60_000
    while (streams.state !== StreamsState.RUNNING && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    t.deepEqual(
      streams.health().threads?.map((th) => [th.thread, th.state]),
      [
        [1, StreamsState.RUNNING],
        [2, StreamsState.RUNNING],
      ],
    )
    t.deepEqual(
      streams.taskIds.sort(),
      ['0_0', '0_0', '0_1', '0_1'],
      "each thread's own broker gives it both tasks",
    )
  } finally {
    await streams.close({ timeoutMs: 30_000 })
  }
  t.is(streams.state, StreamsState.NOT_RUNNING)
})

function status(index: number, state: StreamsState): ThreadStatus {
  return { index, state, ready: state === 'RUNNING', tasks: [], partitions: [], owned: [], restores: [] }
}

test("the instance's state from its threads': RUNNING when all run, ERROR when one failed, else REBALANCING", (t) => {
  t.is(
    instanceState([status(1, StreamsState.RUNNING), status(2, StreamsState.RUNNING)]),
    StreamsState.RUNNING,
  )
  t.is(
    instanceState([status(1, StreamsState.RUNNING), status(2, StreamsState.REBALANCING)]),
    StreamsState.REBALANCING,
  )
  t.is(
    instanceState([status(1, StreamsState.RUNNING), status(2, StreamsState.CREATED)]),
    StreamsState.REBALANCING,
  )
  t.is(instanceState([status(1, StreamsState.ERROR), status(2, StreamsState.RUNNING)]), StreamsState.ERROR)
  t.is(instanceState([]), StreamsState.REBALANCING)
})

test("a store view over threads: a key from whichever thread has it, sums, all entries, a thread's failure when nobody answers", async (t) => {
  const parts: Record<string, number>[] = [{ a: 1 }, { b: 2, c: 3 }]
  let failing = false
  const view = threadStoreView('keyValue', 'counts', async (read) =>
    parts.map((part, i): PromiseSettledResult<unknown> => {
      if (failing && i === 1) {
        return { status: 'rejected', reason: new StreamsError(STREAMS_ERROR_CODES.NOT_AVAILABLE, 'moving') }
      }
      switch (read.method) {
        case 'get':
          return { status: 'fulfilled', value: part[read.args[0] as string] }
        case 'approximateNumEntries':
          return { status: 'fulfilled', value: Object.keys(part).length }
        case 'all':
          return { status: 'fulfilled', value: Object.entries(part).map(([key, value]) => ({ key, value })) }
        default:
          return { status: 'rejected', reason: new Error(read.method) }
      }
    }),
  ) as AsyncReadOnlyKeyValueStore<string, number>
  t.is(await view.get('c'), 3)
  t.is(await view.get('a'), 1)
  t.is(await view.get('z'), undefined)
  t.is(await view.approximateNumEntries(), 3)
  const all: string[] = []
  for await (const kv of view.all()) all.push(kv.key)
  t.deepEqual(all, ['a', 'b', 'c'])
  failing = true
  t.is(await view.get('a'), 1, 'found in a thread that answered')
  await t.throwsAsync(view.get('c'), { message: 'moving' }, 'maybe in the thread that did not')
  await t.throwsAsync(view.approximateNumEntries(), { message: 'moving' })
})

test("the instance's registry shows its threads' series, labelled by thread, beside its own; one scrape asks once", async (t) => {
  const registry = new Registry()
  const own = new Counter({ name: 'x_total', help: 'x', labelNames: ['application'], registers: [registry] })
  own.inc({ application: 'main' })
  const thread = (n: number, value: number) =>
    [
      {
        name: 'x_total',
        help: 'x',
        type: 'counter',
        aggregator: 'sum',
        values: [{ value, labels: { application: 'app', thread: String(n) } }],
      },
    ] as never
  let asked = 0
  const restore = mergeThreadMetrics(registry, ['x_total', 'absent_total'], async () => {
    asked++
    return [thread(1, 5), thread(2, 7)]
  })
  const text = await registry.metrics()
  t.regex(text, /x_total\{application="main"\} 1/)
  t.regex(text, /x_total\{application="app",thread="1"\} 5/)
  t.regex(text, /x_total\{application="app",thread="2"\} 7/)
  t.is(asked, 1)
  own.inc({ application: 'main' })
  ;(registry.getSingleMetric('x_total') as Counter).inc({ application: 'main' })
  t.regex(await registry.metrics(), /x_total\{application="main"\} 3/)
  restore()
  t.notRegex(await registry.metrics(), /thread=/)
})
