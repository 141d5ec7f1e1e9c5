import { Registry } from 'prom-client'
import { KAFKA_ERROR_CODES, KafkaError } from '@oxagry/kafka'
import { SINK_ERROR_CODES } from './errors.ts'
import { SINK_METRICS } from './metrics.ts'
import { PROBE_UNANSWERED_FETCH_MS } from './sink-consumer.ts'
import { ScriptedConsumer, scriptedBackend } from './scripted-fixtures.ts'
import { type Item, sinkTest, produce, json, start, committed, until, recordsAt } from './sink-fixtures.ts'
import type { SinkTarget } from './target.ts'
import { FakeTarget } from './testing/index.ts'

const test = sinkTest()

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

test("a member that fetches nothing (a rebalance that never ended in a join) makes the sink not ready, though the coordinator answers the probe's offsets", async (t) => {
  const consumer = new ScriptedConsumer()
  const sink = await start(t, new FakeTarget<Item>(), {
    backend: scriptedBackend(t.context.backend, consumer),
    brokerProbeIntervalMs: 10,
    brokerUnreachableAfterMs: 60,
  })
  await new Promise((r) => setTimeout(r, 120))
  t.true(sink.health().ready)
  consumer.unanswered = PROBE_UNANSWERED_FETCH_MS + 1
  await until(() => !sink.health().ready)
  t.is(sink.health().lastError?.code, SINK_ERROR_CODES.BROKER_UNREACHABLE)
  t.regex(String(sink.health().lastError?.message), /fetched nothing \(or not rejoined\)/)
  consumer.unanswered = PROBE_UNANSWERED_FETCH_MS - 1
  await until(() => sink.health().ready)
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
