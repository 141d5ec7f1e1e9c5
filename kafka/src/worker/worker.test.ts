import test from 'ava'
import { pino } from 'pino'
import { eventually } from '@oxagry/testkit'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { MemoryBackend } from '../memory/backend.ts'
import { MemoryBroker } from '../memory/broker.ts'
import type {
  BackendProducer,
  BrokerRecord,
  ConsumerHandlers,
  KafkaBackend,
  ProducedRecord,
  TransactionalIdScheme,
} from '../types.ts'
import type { CallUnavailable } from './call.ts'
import { resolveWorkerSettings, WorkerState, type WorkerSettingsInput } from './options.ts'
import { startTransactionalWorker, type RecordHandler } from './worker.ts'

// A toy service on the worker: each input names a job; the external call "runs" it, and the answer
// goes to the output topic. The value `poison` does not decode.

const IN = 'jobs'
const OUT = 'results'
const DEAD = 'dead-letters'
const GROUP = 'jobs-worker'

type Answer = { readonly status: 'done'; readonly result: string } | CallUnavailable

/** The external service: answers `next` for each call (default: done), and counts the calls per job. */
class Service {
  readonly calls = new Map<string, number>()
  next: (job: string) => Promise<Answer> = async (job) => ({ status: 'done', result: `ran ${job}` })
  run(job: string): Promise<Answer> {
    this.calls.set(job, (this.calls.get(job) ?? 0) + 1)
    return this.next(job)
  }
}

function handler(service: Service): RecordHandler<string> {
  return {
    async decode(record) {
      const job = record.value?.toString() ?? ''
      if (job === 'poison') throw new KafkaError(KAFKA_ERROR_CODES.USAGE, 'not a job')
      return job
    },
    async poison(record, error) {
      const message = error instanceof Error ? error.message : String(error)
      return [out(DEAD, record.key?.toString() ?? '', `${record.offset}: ${message}`)]
    },
    async handle(job, _record, step) {
      const result = await step.call({
        attempt: () => service.run(job),
        unavailableError: (message) => new KafkaError(KAFKA_ERROR_CODES.BROKER, message, { retriable: true }),
      })
      if (result.kind === 'stopped') return 'stopped'
      const value = result.kind === 'answered' ? result.answer.result : `gave up: ${result.reason}`
      step.emit(out(OUT, job, `${value} (${result.attempts})`))
      return 'done'
    },
  }
}

const out = (topic: string, key: string, value: string): ProducedRecord => ({
  topic,
  key: Buffer.from(key),
  value: Buffer.from(value),
  timestamp: 1,
  headers: {},
})

async function setup(
  ids: TransactionalIdScheme,
  backendOf: (memory: MemoryBackend) => KafkaBackend = (m) => m,
) {
  const memory = new MemoryBackend(new MemoryBroker(), { transactionalIds: ids })
  const admin = await memory.admin()
  await admin.createTopics(
    [IN, OUT, DEAD].map((name) => ({ name, partitions: name === IN ? 2 : 1, config: {} })),
  )
  const service = new Service()
  const backend = backendOf(memory)
  const start = (settings: WorkerSettingsInput = {}) =>
    startTransactionalWorker({
      backend,
      topic: IN,
      settings: resolveWorkerSettings(
        { groupId: GROUP, retry: { baseMs: 5, maxMs: 20 }, ...settings },
        { groupId: GROUP, baseMs: 5, maxMs: 20, attempts: Number.POSITIVE_INFINITY },
      ),
      handler: handler(service),
      logger: pino({ level: 'silent' }),
      name: 'jobs worker',
    })
  /** Jobs on partition 0, in order. */
  const send = async (...jobs: string[]) => {
    const producer = await memory.producer({})
    await producer.send(jobs.map((job) => ({ ...out(IN, job, job), partition: 0 })))
    await producer.close()
  }
  /** What a read_committed reader sees on a topic. */
  const read = (topic: string): string[] =>
    memory.broker.fetch(topic, 0, 0, 1000, true).records.map((r: BrokerRecord) => r.value!.toString())
  const committed = () => memory.broker.committed(GROUP, { topic: IN, partition: 0 })
  const until = <T>(probe: () => T | undefined, what: string) =>
    eventually(async () => probe(), { timeoutMs: 5_000, what })
  return { memory, service, start, send, read, committed, until }
}

/** The memory backend with each transaction's commit going through `commit` (which may refuse it). */
function commitsThrough(commit: (commitNow: () => Promise<void>) => Promise<void>) {
  return (memory: MemoryBackend): KafkaBackend => ({
    name: memory.name,
    transactionalIds: memory.transactionalIds,
    admin: () => memory.admin(),
    consumer: (o) => memory.consumer(o),
    reader: (o) => memory.reader(o),
    close: () => memory.close(),
    producer: async (o) => {
      const p = await memory.producer(o)
      const wrapped: BackendProducer = {
        send: (records) => p.send(records),
        beginTransaction: () => p.beginTransaction(),
        sendOffsets: (group, offsets) => p.sendOffsets(group, offsets),
        commitTransaction: () => commit(() => p.commitTransaction()),
        abortTransaction: () => p.abortTransaction(),
        get inTransaction() {
          return p.inTransaction
        },
        close: () => p.close(),
      }
      return wrapped
    },
  })
}

// Exactly-once per task (a producer per partition) and per thread (the member's one transaction).
for (const ids of ['per-task', 'per-thread'] as const) {
  for (const guarantee of ['exactly_once', 'at_least_once'] as const) {
    test(`${ids}, ${guarantee}: each record's output written once, in order, and its offset committed`, async (t) => {
      const s = await setup(ids)
      const worker = await s.start({ processingGuarantee: guarantee })
      t.teardown(() => worker.stop())
      await s.send('a', 'b', 'c')
      await s.until(() => (s.committed() === '3' ? true : undefined), 'offset 3 committed')
      t.deepEqual(s.read(OUT), ['ran a (1)', 'ran b (1)', 'ran c (1)'])
      t.like(worker.health(), { ready: true, state: WorkerState.RUNNING, partitions: 2 })
    })
  }

  test(`${ids}: exactly_once: a batch whose transaction does not commit leaves neither its outputs nor its offset`, async (t) => {
    // The broker refuses the first commit of the transaction: the records were sent in it, and so was the offset.
    let refuse = true
    const s = await setup(
      ids,
      commitsThrough(async (commitNow) => {
        if (!refuse) return commitNow()
        refuse = false
        throw new KafkaError(KAFKA_ERROR_CODES.BROKER, 'the coordinator went away')
      }),
    )
    const first = await s.start()
    await s.send('a', 'b')
    const closed = await first.closed
    t.is(closed.state, WorkerState.FAILED)
    t.is((closed.error as KafkaError).message, 'the coordinator went away')
    t.deepEqual(s.read(OUT), [], 'no output visible')
    t.is(s.committed(), undefined, 'no offset committed')
    t.is(s.memory.broker.fetch(OUT, 0, 0, 1000, false).records.length, 2, 'they were sent, then aborted')

    const second = await s.start()
    t.teardown(() => second.stop())
    await s.until(() => (s.committed() === '2' ? true : undefined), 'offset 2 committed')
    t.deepEqual(s.read(OUT), ['ran a (1)', 'ran b (1)'], 'the call was answered again, the outputs once')
  })

  test(`${ids}: an unavailable call is retried with back-off (not ready meanwhile); nothing lost, nothing twice`, async (t) => {
    const s = await setup(ids)
    let down = true
    let thrown = false
    s.service.next = async (job) => {
      if (job !== 'b') return { status: 'done', result: `ran ${job}` }
      if (!thrown) {
        thrown = true
        throw new KafkaError(KAFKA_ERROR_CODES.BROKER, 'timed out', { retriable: true })
      }
      return down ? { status: 'unavailable', message: 'down for now' } : { status: 'done', result: 'ran b' }
    }
    const worker = await s.start()
    t.teardown(() => worker.stop())
    await s.send('a', 'b', 'c')
    await s.until(() => (worker.health().state === WorkerState.RETRYING ? true : undefined), 'retrying')
    t.false(worker.health().ready)
    // What the batch held before the outage was written with its offset while the call waits.
    await s.until(() => (s.committed() === '1' ? true : undefined), 'a committed')
    t.deepEqual(s.read(OUT), ['ran a (1)'])
    await s.until(() => ((s.service.calls.get('b') ?? 0) >= 4 ? true : undefined), 'retries')
    t.is(worker.health().lastError?.message, 'down for now')
    down = false
    await s.until(() => (s.committed() === '3' ? true : undefined), 'offset 3 committed')
    const attempts = s.service.calls.get('b')!
    t.deepEqual(s.read(OUT), ['ran a (1)', `ran b (${attempts})`, 'ran c (1)'])
    t.is(s.service.calls.get('a'), 1)
    t.is(s.service.calls.get('c'), 1)
    t.true(worker.health().ready)
  })

  test(`${ids}: with "attempts", a call still unavailable is given up and the handler decides; the next one goes on`, async (t) => {
    const s = await setup(ids)
    s.service.next = async (job) =>
      job === 'a' ? { status: 'unavailable', message: 'gone' } : { status: 'done', result: `ran ${job}` }
    const worker = await s.start({ retry: { baseMs: 1, maxMs: 2, attempts: 3 } })
    t.teardown(() => worker.stop())
    await s.send('a', 'b')
    await s.until(() => (s.committed() === '2' ? true : undefined), 'offset 2 committed')
    t.deepEqual(s.read(OUT), ['gave up: gone (3)', 'ran b (1)'])
    t.is(s.service.calls.get('a'), 3)
    t.true(worker.health().ready, 'ready again after giving up')
  })

  test(`${ids}: a call error retrying cannot help fails the worker without committing the batch`, async (t) => {
    const s = await setup(ids)
    s.service.next = async (job) => {
      if (job === 'b') throw new KafkaError(KAFKA_ERROR_CODES.NOT_AUTHORIZED, 'refused')
      return { status: 'done', result: `ran ${job}` }
    }
    const worker = await s.start()
    await s.send('a', 'b')
    const closed = await worker.closed
    t.is(closed.state, WorkerState.FAILED)
    t.is((closed.error as KafkaError).code, KAFKA_ERROR_CODES.NOT_AUTHORIZED)
    t.deepEqual(s.read(OUT), [])
    t.is(s.committed(), undefined)
    t.false(worker.health().live)
  })

  test(`${ids}: a partition taken away mid-call: the call stops, nothing of it is committed, the next owner does it once`, async (t) => {
    // The consumer's own hooks, to revoke while a batch is in hand (as kafkajs does on a rebalance).
    let hooks: ConsumerHandlers | undefined
    const s = await setup(ids, (memory) => ({
      ...memory,
      name: memory.name,
      transactionalIds: memory.transactionalIds,
      admin: () => memory.admin(),
      producer: (o) => memory.producer(o),
      reader: (o) => memory.reader(o),
      close: () => memory.close(),
      consumer: (o) => {
        const c = memory.consumer(o)
        const run = c.run.bind(c)
        c.run = (topics, handlers) => {
          hooks = handlers
          return run(topics, handlers)
        }
        return c
      },
    }))
    let down = true
    s.service.next = async (job) =>
      job === 'b' && down
        ? { status: 'unavailable', message: 'down' }
        : { status: 'done', result: `ran ${job}` }
    const first = await s.start()
    await s.send('a', 'b')
    await s.until(() => (first.health().state === WorkerState.RETRYING ? true : undefined), 'retrying')
    await s.until(() => (s.committed() === '1' ? true : undefined), 'a committed')
    await hooks!.onRevoked([{ topic: IN, partition: 0 }])
    const callsWhenRevoked = s.service.calls.get('b')!
    t.is(first.health().partitions, 1, 'partition 0 is gone')
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.is(s.service.calls.get('b'), callsWhenRevoked, 'no call after the revocation')
    t.is(s.committed(), '1', 'b stays uncommitted')
    t.deepEqual(s.read(OUT), ['ran a (1)'])
    await first.stop()

    down = false
    const second = await s.start()
    t.teardown(() => second.stop())
    await s.until(() => (s.committed() === '2' ? true : undefined), 'offset 2 committed')
    t.deepEqual(s.read(OUT), ['ran a (1)', 'ran b (1)'], 'b once, by the next owner')
    t.is(s.service.calls.get('a'), 1)
  })

  test(`${ids}: a poison record is dead-lettered with its offset and why, and the records after it are done`, async (t) => {
    const s = await setup(ids)
    const worker = await s.start()
    t.teardown(() => worker.stop())
    await s.send('a', 'poison', 'c')
    await s.until(() => (s.committed() === '3' ? true : undefined), 'offset 3 committed')
    t.deepEqual(s.read(DEAD), ['1: not a job'])
    t.deepEqual(s.read(OUT), ['ran a (1)', 'ran c (1)'])
    t.false(s.service.calls.has('poison'))
  })

  test(`${ids}: a retriable decode error fails the worker instead of dead-lettering`, async (t) => {
    const s = await setup(ids)
    const worker = await startTransactionalWorker({
      backend: s.memory,
      topic: IN,
      settings: resolveWorkerSettings({}, { groupId: GROUP, baseMs: 5, maxMs: 20, attempts: 1 }),
      handler: {
        ...handler(s.service),
        decode: () =>
          Promise.reject(new KafkaError(KAFKA_ERROR_CODES.BROKER, 'registry down', { retriable: true })),
      },
      logger: pino({ level: 'silent' }),
      name: 'jobs worker',
    })
    await s.send('a')
    t.is((await worker.closed).state, WorkerState.FAILED)
    t.deepEqual(s.read(DEAD), [])
    t.is(s.committed(), undefined)
  })
}

test('bad settings are refused once, every path named', (t) => {
  const error = t.throws(() =>
    resolveWorkerSettings(
      {
        groupId: 'no spaces',
        processingGuarantee: 'maybe' as never,
        retry: { baseMs: 0, maxMs: -1, attempts: 0 },
        shutdownTimeoutMs: -5,
      },
      { groupId: GROUP, baseMs: 5, maxMs: 20, attempts: 1 },
      '/jobs',
    ),
  )
  t.true(error instanceof KafkaError)
  t.is((error as KafkaError).code, KAFKA_ERROR_CODES.INVALID_OPTIONS)
  for (const path of [
    'groupId',
    'processingGuarantee',
    'retry/baseMs',
    'retry/maxMs',
    'retry/attempts',
    'shutdownTimeoutMs',
  ])
    t.regex(error!.message, new RegExp(`/jobs/${path} must`))
})

test('per-thread: one transaction holds batches of several partitions until the interval ends; a stop commits it', async (t) => {
  let commits = 0
  const s = await setup(
    'per-thread',
    commitsThrough((commitNow) => {
      commits++
      return commitNow()
    }),
  )
  const worker = await s.start({ commitIntervalMs: 60_000 })
  const producer = await s.memory.producer({})
  await producer.send([
    { ...out(IN, 'a', 'a'), partition: 0 },
    { ...out(IN, 'b', 'b'), partition: 1 },
  ])
  await producer.close()
  await s.until(
    () => (s.service.calls.has('a') && s.service.calls.has('b') ? true : undefined),
    'both handled',
  )
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.deepEqual(s.read(OUT), [], 'nothing visible while the transaction is open')
  t.is(commits, 0)
  await worker.stop()
  t.is(commits, 1, 'one commit for both partitions')
  t.deepEqual(s.read(OUT).sort(), ['ran a (1)', 'ran b (1)'])
  t.is(s.committed(), '1')
  t.is(s.memory.broker.committed(GROUP, { topic: IN, partition: 1 }), '1')
})

test('per-thread: a commit refused because the group moved on reads the partitions again from their last commit; outputs once', async (t) => {
  let refuse = 1
  const s = await setup(
    'per-thread',
    commitsThrough(async (commitNow) => {
      if (refuse-- <= 0) return commitNow()
      throw new KafkaError(KAFKA_ERROR_CODES.REBALANCED, 'the group has moved to a new generation')
    }),
  )
  const worker = await s.start({ commitIntervalMs: 0 })
  t.teardown(() => worker.stop())
  await s.send('a', 'b')
  await s.until(() => (s.committed() === '2' ? true : undefined), 'offset 2 committed')
  // The first attempt's outputs were aborted: each output once, from the second attempt.
  t.deepEqual(s.read(OUT), ['ran a (1)', 'ran b (1)'])
  t.is(s.service.calls.get('a'), 2, 'handled again after the abort')
  t.is(s.service.calls.get('b'), 2)
  t.like(worker.health(), { ready: true, state: WorkerState.RUNNING })
})

test('per-thread: a fenced transaction (another live instance with this id) fails the worker, committing nothing', async (t) => {
  const s = await setup(
    'per-thread',
    commitsThrough(async () => {
      throw new KafkaError(KAFKA_ERROR_CODES.FENCED, 'another producer has this transactional id')
    }),
  )
  const worker = await s.start({ commitIntervalMs: 0 })
  await s.send('a')
  const closed = await worker.closed
  t.is(closed.state, WorkerState.FAILED)
  t.is((closed.error as KafkaError).code, KAFKA_ERROR_CODES.FENCED)
  t.deepEqual(s.read(OUT), [])
  t.is(s.committed(), undefined)
})
