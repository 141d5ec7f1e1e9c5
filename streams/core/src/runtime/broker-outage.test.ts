import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import {
  KAFKA_ERROR_CODES,
  KafkaError,
  Serdes,
  type ConsumerHandlers,
  type TransactionalIdScheme,
} from '@oxagry/kafka'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import type { StreamsConfig } from './config.ts'
import { KafkaStreams, StreamsState } from './kafka-streams.ts'
import { countTopology, until } from './integration-fixtures.ts'
import { OutageBackend } from './outage-fixtures.ts'

const L = Serdes.Long()
const silent = pino({ level: process.env.TEST_LOG ?? 'silent' })

function config(backend: OutageBackend, overrides: Partial<StreamsConfig> = {}): StreamsConfig {
  return {
    applicationId: 'counter',
    backend,
    logger: silent,
    stateDir: mkdtempSync(join(tmpdir(), 'streams-outage-')),
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 20,
    pollIntervalMs: 10,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 40,
    ...overrides,
  }
}

/** Appends records straight to the log, as producers that the outage does not concern. */
function produce(backend: OutageBackend, keys: readonly string[]): void {
  backend.broker.append(
    keys.map((k) => ({
      topic: 'in',
      key: Buffer.from(k),
      value: Buffer.from('x'),
      timestamp: 1,
      headers: {},
    })),
  )
}

/** Every output record (committed ones only, unless said), sorted by key and count. */
function committed(backend: OutageBackend, readCommitted = true): [string, number][] {
  const out: [string, number][] = []
  for (let p = 0; p < (backend.broker.partitionCount('out') ?? 0); p++) {
    for (const r of backend.broker.fetch('out', p, 0, 1_000_000, readCommitted).records)
      out.push([r.key?.toString() ?? '', Number(L.deserialize('out', r.value!, {}))])
  }
  return out.sort(([a, x], [b, y]) => a.localeCompare(b) || x - y)
}

/** Each key counted 1..n once: nothing lost, nothing duplicated on the read_committed output. */
function once(keys: Record<string, number>): [string, number][] {
  return Object.entries(keys).flatMap(([key, n]) =>
    Array.from({ length: n }, (_, i): [string, number] => [key, i + 1]),
  )
}

for (const scheme of ['per-task', 'per-thread'] as const satisfies readonly TransactionalIdScheme[]) {
  test(`exactly-once (${scheme}): a broker outage is ridden out, not ready meanwhile, RUNNING again and counted once`, async (t) => {
    const backend = new OutageBackend(['in', 'out'], 2, scheme)
    const streams = new KafkaStreams(countTopology('in', 'out'), config(backend, { commitIntervalMs: 300 }))
    const states: string[] = []
    streams.onStateChange((s) => states.push(s))
    await streams.start()
    produce(backend, ['a', 'b', 'a'])
    await until(() => committed(backend).length === 3)
    produce(backend, ['a', 'b'])
    await until(() => committed(backend, false).length === 5)
    // Processed, not committed: the commit meets the outage, the tasks are closed and revived, again and again.
    backend.down = true
    await until(() => backend.refused > 5 && streams.state === StreamsState.REBALANCING)
    t.false(streams.health().ready)
    t.true(streams.health().live)
    backend.down = false
    produce(backend, ['a'])
    await until(() => committed(backend).length === 6 && streams.health().ready)
    t.is(streams.state, StreamsState.RUNNING)
    t.is(streams.error, undefined)
    await streams.close()
    t.deepEqual(committed(backend), once({ a: 4, b: 2 }))
    t.true(states.indexOf('REBALANCING', states.indexOf('RUNNING')) > 0)
  })
}

test('a broker away past taskTimeoutMs fails the instance with OXA_STREAMS_TASK_TIMEOUT, the outage its cause', async (t) => {
  const backend = new OutageBackend(['in', 'out'], 1)
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config(backend, { taskTimeoutMs: 200, commitIntervalMs: 300 }),
  )
  await streams.start()
  produce(backend, ['a'])
  await until(() => committed(backend).length === 1)
  produce(backend, ['a'])
  await until(() => committed(backend, false).length === 2)
  backend.down = true
  await until(() => streams.state === StreamsState.ERROR)
  t.is(streams.error?.code, STREAMS_ERROR_CODES.TASK_TIMEOUT)
  t.regex(streams.error?.message ?? '', /taskTimeoutMs 200\): .*ECONNREFUSED/)
  t.false(streams.health().live)
  backend.down = false
  t.deepEqual(committed(backend), once({ a: 1 }))
})

test('a call held up by an absent broker says not ready while it waits, and ready once it goes through', async (t) => {
  const backend = new OutageBackend(['in', 'out'], 1)
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config(backend, { stalledAfterMs: 50, commitIntervalMs: 300 }),
  )
  await streams.start()
  produce(backend, ['a'])
  await until(() => committed(backend).length === 1 && streams.health().ready)
  produce(backend, ['a'])
  await until(() => committed(backend, false).length === 2)
  backend.hangUntilUp = true
  backend.down = true
  await until(() => !streams.health().ready)
  t.is(streams.state, StreamsState.RUNNING)
  t.true((streams.health().stalledMs ?? 0) > 50)
  backend.down = false
  await until(() => committed(backend).length === 2 && streams.health().ready)
  t.is(streams.health().stalledMs, undefined)
  await streams.close()
  t.deepEqual(committed(backend), once({ a: 2 }))
})

test('a consumer that gives up on an absent broker is replaced, and the instance carries on exactly-once', async (t) => {
  const backend = new OutageBackend(['in', 'out'], 2)
  const consumer = backend.consumer.bind(backend)
  const gaveUp: ((error: unknown) => void)[] = []
  let members = 0
  backend.consumer = (options) => {
    const real = consumer(options)
    members++
    const run = real.run.bind(real)
    real.run = (topics: readonly string[], handlers: ConsumerHandlers) => {
      if (handlers.onFailed !== undefined) gaveUp.push(handlers.onFailed)
      return run(topics, handlers)
    }
    return real
  }
  const streams = new KafkaStreams(countTopology('in', 'out'), config(backend))
  await streams.start()
  produce(backend, ['a', 'b'])
  await until(() => committed(backend).length === 2)
  backend.down = true
  gaveUp[0]?.(
    new KafkaError(KAFKA_ERROR_CODES.BROKER, 'consuming: Failed to find group coordinator', {
      retriable: true,
    }),
  )
  await until(() => streams.state === StreamsState.REBALANCING)
  produce(backend, ['a', 'b'])
  backend.down = false
  await until(() => committed(backend).length === 4 && streams.health().ready)
  t.true(members >= 2)
  t.is(streams.error, undefined)
  await streams.close()
  t.deepEqual(committed(backend), once({ a: 2, b: 2 }))
})

test('at-least-once: a broker outage is ridden out too, and nothing processed before it is lost', async (t) => {
  const backend = new OutageBackend(['in', 'out'], 1)
  const streams = new KafkaStreams(
    countTopology('in', 'out'),
    config(backend, { processingGuarantee: 'at_least_once', commitIntervalMs: 300 }),
  )
  await streams.start()
  produce(backend, ['a', 'a'])
  await until(() => committed(backend).length === 2)
  backend.down = true
  produce(backend, ['a'])
  await until(() => backend.refused > 3 && streams.state === StreamsState.REBALANCING)
  backend.down = false
  await until(() => streams.health().ready && committed(backend).some(([, n]) => n === 3))
  await streams.close()
  t.is(streams.error, undefined)
  // The count restored from the changelog goes on from where it was: 1, 2, then 3 (sent at least once).
  t.deepEqual([...new Set(committed(backend).map(([, n]) => n))], [1, 2, 3])
})
