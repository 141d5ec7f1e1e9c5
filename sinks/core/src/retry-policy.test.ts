import { Registry } from 'prom-client'
import type { SinkError } from './errors.ts'
import { SINK_ERROR_CODES } from './errors.ts'
import { SINK_METRICS } from './metrics.ts'
import { DEFAULT_RETRY } from './options.ts'
import { ScriptedConsumer, scriptedBackend } from './scripted-fixtures.ts'
import {
  type Item,
  sinkTest,
  TOPIC,
  produce,
  json,
  start,
  committed,
  until,
  recordsAt,
} from './sink-fixtures.ts'
import { SinkState } from './sink-health.ts'
import { FakeTarget } from './testing/index.ts'

const test = sinkTest()

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
