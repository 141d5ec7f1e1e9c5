import anyTest, { type TestFn } from 'ava'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import {
  Contracts,
  InMemorySchemaRegistry,
  createAvroSerde,
  type AvroSerde,
  type DeadLetter,
} from '@oxagry/avro'
import {
  KAFKA_ERROR_CODES,
  KafkaError,
  MemoryBackend,
  type BackendConsumer,
  type BrokerRecord,
  type ConsumerHandlers,
  type KafkaBackend,
  type PartitionOffset,
} from '@oxagry/kafka'
import { backoffDelay } from './backoff.ts'
import { SINK_DEAD_LETTER_HEADERS } from './dead-letter.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { SINK_METRICS } from './metrics.ts'
import { batchIdOf } from './batch-ids.ts'
import { runSink } from './runner.ts'
import { SinkState, type SinkHandle } from './sink-health.ts'
import { DEFAULT_RETRY, type SinkOptions } from './options.ts'
import type { SinkTarget } from './target.ts'
import { FakeTarget } from './testing/index.ts'

interface Item {
  readonly n: number
}

interface Context {
  backend: MemoryBackend
  deadLetters: AvroSerde<DeadLetter>
  sinks: SinkHandle[]
}

const test = anyTest as TestFn<Context>
const TOPIC = 'fleet.machine-pings.v1'
const DLQ = 'fleet.dead-letters.v1'
const GROUP = 'sink-test'
const silent = pino({ level: 'silent' })

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

function produce(backend: MemoryBackend, values: readonly string[], partition = 0): void {
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

const json = (n: number): string => JSON.stringify({ n })

function decode(record: BrokerRecord): Item {
  const parsed = JSON.parse(record.value?.toString() ?? 'null') as Item | null
  if (parsed === null || typeof parsed.n !== 'number') throw new TypeError('not an item')
  return parsed
}

async function start(
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

function committed(backend: MemoryBackend, partition = 0): string | undefined {
  return backend.broker.committed(GROUP, { topic: TOPIC, partition })
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

function deadLettersOf(t: { context: Context }) {
  return Promise.all(
    t.context.backend.broker.fetch(DLQ, 0, 0, 100, false).records.map(async (r) => ({
      record: r,
      value: (await t.context.deadLetters.deserialize(DLQ, r.value!, r.headers)) as DeadLetter,
    })),
  )
}

test('batches by size, then by time, and commits after each durable write', async (t) => {
  const target = new FakeTarget<Item>()
  await start(t, target)
  produce(
    t.context.backend,
    Array.from({ length: 10 }, (_, i) => json(i)),
  )
  await until(() => committed(t.context.backend) === '10')
  t.deepEqual(
    target.writes.map((w) => w.items.length),
    [4, 4, 2],
  )
  t.deepEqual(
    target.writes.map((w) => w.context.batchId),
    [`${TOPIC}:0:0-3`, `${TOPIC}:0:4-7`, `${TOPIC}:0:8-9`],
  )
  t.deepEqual(
    target.items.map((i) => i.n),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  )
})

test('offsets are committed only once the write returned', async (t) => {
  const target = new FakeTarget<Item>({ delayMs: 150 })
  await start(t, target)
  produce(t.context.backend, [json(1), json(2), json(3), json(4)])
  await until(() => target.calls === 1)
  t.is(committed(t.context.backend), undefined)
  await until(() => committed(t.context.backend) === '4')
  t.is(target.writes.length, 1)
})

test('transient failures are retried with backoff and the same batch id', async (t) => {
  const registry = new Registry()
  const target = new FakeTarget<Item>({ transientFailures: 2 })
  await start(t, target, { metricsRegistry: registry })
  produce(t.context.backend, [json(1), json(2)])
  await until(() => committed(t.context.backend) === '2')
  t.is(target.calls, 3)
  t.is(target.writes.length, 1)
  t.is(target.writes[0]?.context.attempt, 3)
  t.is(target.writes[0]?.context.batchId, `${TOPIC}:0:0-1`)
  const retries = await registry.getSingleMetric(SINK_METRICS.retries)?.get()
  t.is(retries?.values[0]?.value, 2)
  const rows = await registry.getSingleMetric(SINK_METRICS.rowsWritten)?.get()
  t.is(rows?.values[0]?.value, 2)
})

test('a record the target refuses is dead-lettered with its bytes, the error and the target; the rest is written', async (t) => {
  const target = new FakeTarget<Item>({ refuse: (item) => item.n === 2 })
  await start(t, target)
  produce(t.context.backend, [json(1), json(2), json(3)])
  await until(() => committed(t.context.backend) === '3')
  t.deepEqual(
    target.items.map((i) => i.n),
    [1, 3],
  )
  const [dead, ...more] = await deadLettersOf(t)
  t.is(more.length, 0)
  t.is(dead?.record.key?.toString(), `${TOPIC}:0:1`)
  t.is(dead?.record.headers[SINK_DEAD_LETTER_HEADERS.target]?.toString(), 'fake')
  t.is(dead?.value.stage, 'OTHER')
  t.is(dead?.value.application, GROUP)
  t.is(dead?.value.sourceTopic, TOPIC)
  t.is(dead?.value.sourceOffset, 1)
  t.is(dead?.value.value?.toString(), json(2))
  t.is(dead?.value.headers.trace?.toString(), 't-1')
  t.is(dead?.value.errorCode, SINK_ERROR_CODES.PERMANENT)
  t.false(dead?.value.retriable)
})

test('bytes that do not decode are dead-lettered, never dropped', async (t) => {
  const target = new FakeTarget<Item>()
  await start(t, target)
  produce(t.context.backend, [json(1), 'garbage', json(3)])
  await until(() => committed(t.context.backend) === '3')
  t.deepEqual(
    target.items.map((i) => i.n),
    [1, 3],
  )
  const [dead] = await deadLettersOf(t)
  t.is(dead?.value.stage, 'DESERIALIZATION')
  t.is(dead?.value.value?.toString(), 'garbage')
  t.is(dead?.value.sourceOffset, 1)
})

test('when retries run out the sink fails without committing, and a restart loses nothing', async (t) => {
  const failing = new FakeTarget<Item>({ transientFailures: 1000 })
  const sink = await start(t, failing)
  produce(t.context.backend, [json(1), json(2)])
  const closed = await sink.closed
  t.is(closed.state, 'FAILED')
  t.is((closed.error as SinkError).code, SINK_ERROR_CODES.RETRIES_EXHAUSTED)
  t.is(failing.calls, 4)
  t.false(sink.health().live)
  t.is(committed(t.context.backend), undefined)

  const healthy = new FakeTarget<Item>()
  await start(t, healthy)
  await until(() => committed(t.context.backend) === '2')
  t.deepEqual(
    healthy.items.map((i) => i.n),
    [1, 2],
  )
})

test('by default a store that stays down is retried forever: not ready meanwhile, then everything is written', async (t) => {
  const registry = new Registry()
  // Far more failures than a bounded policy would allow (8 attempts was the old default).
  const target = new FakeTarget<Item>({ transientFailures: 25 })
  const sink = await start(t, target, {
    metricsRegistry: registry,
    retry: { ...DEFAULT_RETRY, baseMs: 1, maxMs: 2 },
  })
  produce(t.context.backend, [json(1), json(2)])
  await until(() => sink.health().state === SinkState.RETRYING)
  const during = sink.health()
  t.false(during.ready, 'not ready while the store is down')
  t.true(during.live)
  t.truthy(during.lastError)
  const up = async () => (await registry.getSingleMetric(SINK_METRICS.up)?.get())?.values[0]?.value
  t.is(await up(), 0)
  // Records keep arriving during the outage: they are buffered, not dropped.
  produce(t.context.backend, [json(3), json(4), json(5)])
  await until(() => committed(t.context.backend) === '5')
  t.deepEqual(
    target.items.map((i) => i.n),
    [1, 2, 3, 4, 5],
  )
  t.is(target.calls, 25 + target.writes.length)
  t.is(sink.health().state, SinkState.RUNNING)
  t.true(sink.health().ready)
  t.is(await up(), 1)
})

test('stop flushes what is buffered, commits and leaves', async (t) => {
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, { batch: { maxRecords: 100, maxWaitMs: 60_000 } })
  t.true(sink.health().ready)
  produce(t.context.backend, [json(1), json(2)], 0)
  produce(t.context.backend, [json(3)], 1)
  await until(() => sink.health().buffered === 3)
  await sink.stop()
  t.is(committed(t.context.backend, 0), '2')
  t.is(committed(t.context.backend, 1), '1')
  t.is(target.writes.length, 1)
  t.is(target.writes[0]?.context.batchId, `${TOPIC}:0:0-1,${TOPIC}:1:0-0`)
  t.deepEqual(sink.health().state, 'STOPPED')
  t.is((await sink.closed).state, 'STOPPED')
})

test('consumer lag is measured per partition', async (t) => {
  const registry = new Registry()
  // Writes wait for the gate, so the lag of 4 stays observable however slowly the sampler runs.
  let open = (): void => {}
  const gate = new Promise<void>((resolve) => (open = resolve))
  const fake = new FakeTarget<Item>()
  const target: SinkTarget<Item> = {
    name: 'gated',
    write: async (items, context) => {
      await gate
      await fake.write(items, context)
    },
  }
  await start(t, target, {
    metricsRegistry: registry,
    lagIntervalMs: 20,
    batch: { maxRecords: 2, maxWaitMs: 10 },
  })
  produce(t.context.backend, [json(1), json(2), json(3), json(4)])
  const lagOf = async () =>
    (await registry.getSingleMetric(SINK_METRICS.consumerLag)?.get())?.values.find(
      (v) => v.labels.partition === 0,
    )?.value
  await until(async () => (await lagOf()) === 4)
  t.is(committed(t.context.backend), undefined)
  open()
  await until(() => committed(t.context.backend) === '4')
  await until(async () => (await lagOf()) === 0)
  t.is(fake.items.length, 4)
})

test('options are validated once, with the path named', async (t) => {
  const target = new FakeTarget<Item>()
  const base = {
    backend: t.context.backend,
    groupId: GROUP,
    topics: [TOPIC],
    decode,
    target,
    deadLetter: { topic: DLQ, serializer: t.context.deadLetters },
  }
  await t.throwsAsync(() => runSink({ ...base, batch: { maxRecords: 0, maxWaitMs: 10 } }), {
    message: /\/options\/batch\/maxRecords must be >= 1/,
  })
  await t.throwsAsync(() => runSink({ ...base, deadLetter: { ...base.deadLetter, topic: TOPIC } }), {
    message: /\/options\/deadLetter\/topic must not be one of \/options\/topics/,
  })
  await t.throwsAsync(() => runSink({ ...base, retry: { attempts: 3, baseMs: 50, maxMs: 10 } }), {
    message: /baseMs must be <= \/options\/retry\/maxMs/,
  })
  const error = await t.throwsAsync(() => runSink({ ...base, groupId: '' }), { instanceOf: SinkError })
  t.is(error?.code, SINK_ERROR_CODES.INVALID_OPTIONS)
})

test('backoff doubles up to the bound, with jitter in the upper half', (t) => {
  const options = { attempts: 10, baseMs: 100, maxMs: 1000 }
  t.is(
    backoffDelay(1, options, () => 1),
    100,
  )
  t.is(
    backoffDelay(1, options, () => 0),
    50,
  )
  t.is(
    backoffDelay(3, options, () => 1),
    400,
  )
  t.is(
    backoffDelay(8, options, () => 1),
    1000,
  )
  t.is(
    backoffDelay(8, options, () => 0),
    500,
  )
})

test('batch ids are deterministic and independent of record order', (t) => {
  const r = (partition: number, offset: string): BrokerRecord => ({
    topic: 't',
    partition,
    offset,
    key: null,
    value: null,
    timestamp: 0,
    headers: {},
  })
  t.is(batchIdOf([r(1, '7'), r(0, '3'), r(0, '2'), r(1, '5')]), 't:0:2-3,t:1:5-7')
  t.is(batchIdOf([r(0, '2'), r(1, '5'), r(1, '7'), r(0, '3')]), 't:0:2-3,t:1:5-7')
})

const partition0 = { topic: TOPIC, partition: 0 }

const recordsAt = (offsets: readonly number[]): BrokerRecord[] =>
  offsets.map((o) => ({
    topic: TOPIC,
    partition: 0,
    offset: String(o),
    key: null,
    value: Buffer.from(json(o)),
    timestamp: 0,
    headers: {},
  }))

/**
 * A consumer the test drives: it delivers what the test hands it and behaves like kafkajs on stop
 * (revokes, may still deliver a fetched batch, then disconnects; a commit after that fails).
 */
class ScriptedConsumer implements BackendConsumer {
  readonly log: string[] = []
  heartbeats = 0
  /** While true, reading the group's committed offsets fails as it does with the broker down. */
  unreachable = false
  private handlers: ConsumerHandlers | undefined
  private connected = false
  private refused = 0

  constructor(
    private readonly script: {
      readonly runFails?: boolean
      readonly lateBatch?: readonly BrokerRecord[]
      /** Commits refused as a rebalancing group refuses them. */
      readonly rebalancedCommits?: number
      /** Commits refused as kafkajs refuses them while it restarts its consumer after an outage. */
      readonly restartingCommits?: number
    } = {},
  ) {}

  async run(_topics: readonly string[], handlers: ConsumerHandlers): Promise<void> {
    if (this.script.runFails === true) throw new Error('broker unreachable (scripted)')
    this.handlers = handlers
    this.connected = true
    await handlers.onAssigned([partition0])
  }

  deliver(records: readonly BrokerRecord[]): Promise<void> {
    return this.handlers!.eachBatch({
      ...partition0,
      records,
      heartbeat: async () => void this.heartbeats++,
    })
  }

  /** The client gives up for good, as kafkajs does after an error it does not restart on. */
  crash(error: Error): void {
    this.handlers!.onFailed?.(error)
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (!this.connected) throw Object.assign(new Error('not connected (scripted)'), { retriable: false })
    if (this.refused < (this.script.rebalancedCommits ?? 0)) {
      this.refused++
      this.log.push('commit refused')
      throw new KafkaError(KAFKA_ERROR_CODES.REBALANCED, 'the group has rebalanced (scripted)')
    }
    if (this.refused < (this.script.rebalancedCommits ?? 0) + (this.script.restartingCommits ?? 0)) {
      this.refused++
      this.log.push('commit refused')
      throw new KafkaError(
        KAFKA_ERROR_CODES.BROKER,
        'committing offsets: Consumer group was not initialized, consumer#run must be called first',
        { retriable: false },
      )
    }
    this.log.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`)
  }

  async committed(): Promise<Map<string, string | undefined>> {
    if (this.unreachable)
      throw new KafkaError(KAFKA_ERROR_CODES.BROKER, 'Connection error: ECONNREFUSED (scripted)', {
        retriable: true,
      })
    return new Map()
  }

  seek(): void {}

  async stop(): Promise<void> {
    this.log.push('stop')
    await this.handlers?.onRevoked([partition0])
    if (this.script.lateBatch !== undefined) await this.deliver(this.script.lateBatch)
    this.connected = false
  }
}

/** The memory backend's producer and admin, with the consumer given and the closes logged. */
function scriptedBackend(
  memory: MemoryBackend,
  consumer: BackendConsumer | (() => BackendConsumer),
  log: string[] = [],
): KafkaBackend {
  return {
    name: 'scripted',
    transactionalIds: memory.transactionalIds,
    close: () => memory.close(),
    consumer: typeof consumer === 'function' ? consumer : () => consumer,
    reader: (options) => memory.reader(options),
    producer: async (options) => {
      const producer = await memory.producer(options)
      return Object.assign(Object.create(producer) as typeof producer, {
        close: async () => void log.push('producer closed'),
      })
    },
    admin: async () => {
      const admin = await memory.admin()
      return Object.assign(Object.create(admin) as typeof admin, {
        close: async () => void log.push('admin closed'),
      })
    },
  }
}

test('once stopping, nothing more is buffered, and the final commit comes before leaving the group', async (t) => {
  const consumer = new ScriptedConsumer({ lateBatch: recordsAt([4, 5]) })
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 100, maxWaitMs: 60_000 },
  })
  await consumer.deliver(recordsAt([0, 1]))
  t.is(sink.health().buffered, 2)
  const stopping = sink.stop()
  await consumer.deliver(recordsAt([2, 3]))
  await stopping
  const closed = await sink.closed
  t.is(closed.state, 'STOPPED', String(closed.error))
  t.deepEqual(
    target.items.map((i) => i.n),
    [0, 1],
  )
  t.deepEqual(consumer.log, ['commit 0@2', 'stop'])
})

test('a retry inside eachBatch heartbeats between attempts', async (t) => {
  const consumer = new ScriptedConsumer()
  const target = new FakeTarget<Item>({ transientFailures: 2 })
  await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 2, maxWaitMs: 60_000 },
  })
  await consumer.deliver(recordsAt([0, 1]))
  t.deepEqual(consumer.log, ['commit 0@2'])
  t.is(target.calls, 3)
  t.true(consumer.heartbeats >= 2, `${consumer.heartbeats} heartbeats`)
})

test('stop ends a backoff at once; the batch being retried stays uncommitted', async (t) => {
  const consumer = new ScriptedConsumer()
  const target = new FakeTarget<Item>({ transientFailures: 1000 })
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 2, maxWaitMs: 60_000 },
    retry: { attempts: 5, baseMs: 20_000, maxMs: 20_000 },
    shutdownTimeoutMs: 30_000,
  })
  const delivered = consumer.deliver(recordsAt([0, 1]))
  await until(() => target.calls === 1)
  const started = Date.now()
  await sink.stop()
  await delivered
  t.true(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`)
  const closed = await sink.closed
  t.is(closed.state, 'STOPPED')
  t.is((closed.error as SinkError).code, SINK_ERROR_CODES.STOPPED)
  t.is(target.calls, 1)
  t.deepEqual(consumer.log, ['stop'])
})

test('a failure to start closes what was opened and throws a typed error', async (t) => {
  const log: string[] = []
  const registry = new Registry()
  const target: SinkTarget<Item> = {
    name: 'logged',
    start: async () => void log.push('target started'),
    write: async () => {},
    close: async () => void log.push('target closed'),
  }
  const error = await t.throwsAsync(
    () =>
      runSink<Item>({
        backend: scriptedBackend(t.context.backend, new ScriptedConsumer({ runFails: true }), log),
        groupId: GROUP,
        topics: [TOPIC],
        decode,
        target,
        deadLetter: { topic: DLQ, serializer: t.context.deadLetters },
        logger: silent,
        metricsRegistry: registry,
        lagIntervalMs: 0,
      }),
    { instanceOf: SinkError },
  )
  t.is(error?.code, SINK_ERROR_CODES.START)
  t.regex(error?.message ?? '', /broker unreachable/)
  t.deepEqual(log, ['target started', 'producer closed', 'admin closed', 'target closed'])
  const up = await registry.getSingleMetric(SINK_METRICS.up)?.get()
  t.is(up?.values[0]?.value, 0)
})

test('a commit the group refuses because it rebalanced does not fail the sink: the batch is redelivered to whoever owns it next', async (t) => {
  const consumer = new ScriptedConsumer({ rebalancedCommits: 1 })
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 2, maxWaitMs: 60_000 },
  })
  await consumer.deliver(recordsAt([0, 1]))
  t.is(sink.health().state, 'RUNNING')
  // The next owner (here the same member, after rejoining) gets the batch again: written twice, as the
  // sinks' targets are idempotent, and committed this time.
  await consumer.deliver(recordsAt([0, 1]))
  t.deepEqual(consumer.log, ['commit refused', 'commit 0@2'])
  t.deepEqual(
    target.items.map((i) => i.n),
    [0, 1, 0, 1],
  )
  t.is(sink.health().state, 'RUNNING')
})

test('a consumer that gives up for good fails the sink with its error instead of leaving it idle and RUNNING', async (t) => {
  const consumer = new ScriptedConsumer()
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 100, maxWaitMs: 60_000 },
  })
  await consumer.deliver(recordsAt([0]))
  consumer.crash(new Error('the group coordinator refused this member (scripted)'))
  const closed = await sink.closed
  t.is(closed.state, 'FAILED')
  t.regex(String(closed.error), /coordinator refused/)
  t.false(sink.health().live)
  // The buffered record was not committed: a restart reads it again.
  t.false(consumer.log.some((line) => line.startsWith('commit')))
})

test('a consumer that gives up on a broker out of reach is replaced: not ready meanwhile, nothing uncommitted is lost', async (t) => {
  const consumers: ScriptedConsumer[] = []
  const target = new FakeTarget<Item>()
  const registry = new Registry()
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, () => {
      consumers.push(new ScriptedConsumer())
      return consumers.at(-1)!
    }),
    batch: { maxRecords: 100, maxWaitMs: 60_000 },
    retry: { attempts: 'forever', baseMs: 1, maxMs: 5 },
    metricsRegistry: registry,
  })
  const first = consumers[0]!
  await first.deliver(recordsAt([0, 1]))
  // As kafkajs gives up on a group coordinator it cannot find: a typed broker error, retriable.
  first.crash(
    new KafkaError(KAFKA_ERROR_CODES.BROKER, 'consuming: Failed to find group coordinator', {
      retriable: true,
    }),
  )
  t.false(sink.health().ready)
  t.is(sink.health().state, 'RETRYING')
  await until(() => consumers.length === 2 && sink.health().ready)
  t.true(sink.health().live)
  t.true(first.log.includes('stop'), 'the old consumer is left')
  const up = await registry.getSingleMetric(SINK_METRICS.up)?.get()
  t.is(up?.values[0]?.value, 1)
  // Nothing the old consumer delivered was committed: the new one reads it again from the last commit.
  t.false(first.log.some((line) => line.startsWith('commit')))
  const second = consumers[1]!
  await second.deliver(recordsAt([0, 1, 2]))
  await sink.stop()
  t.deepEqual(
    target.items.map((i) => i.n),
    [0, 1, 2],
  )
  t.true(second.log.includes('commit 0@3'))
})

test('a broker that stops answering the group makes the sink not ready within the bound, and ready again on its own', async (t) => {
  const consumer = new ScriptedConsumer()
  const registry = new Registry()
  const sink = await start(t, new FakeTarget<Item>(), {
    backend: scriptedBackend(t.context.backend, consumer),
    metricsRegistry: registry,
    brokerProbeIntervalMs: 10,
    brokerUnreachableAfterMs: 60,
  })
  const up = async () => (await registry.getSingleMetric(SINK_METRICS.up)?.get())?.values[0]?.value
  await new Promise((r) => setTimeout(r, 120))
  t.true(sink.health().ready, 'answers keep it ready')
  consumer.unreachable = true
  const lostAt = performance.now()
  await until(() => !sink.health().ready)
  t.true(performance.now() - lostAt < 1000)
  t.is(sink.health().state, 'RETRYING')
  t.is(sink.health().lastError?.code, SINK_ERROR_CODES.BROKER_UNREACHABLE)
  t.is(await up(), 0)
  t.true(sink.health().live)
  consumer.unreachable = false
  await until(() => sink.health().ready)
  t.is(await up(), 1)
})

test('a commit kafkajs refuses while it restarts its consumer does not fail the sink: the next commit covers the batch', async (t) => {
  const consumer = new ScriptedConsumer({ restartingCommits: 1 })
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, {
    backend: scriptedBackend(t.context.backend, consumer),
    batch: { maxRecords: 2, maxWaitMs: 60_000 },
  })
  await consumer.deliver(recordsAt([0, 1]))
  t.is(sink.health().state, 'RUNNING')
  await consumer.deliver(recordsAt([2, 3]))
  t.deepEqual(consumer.log, ['commit refused', 'commit 0@4'])
  t.true(sink.health().ready)
})
