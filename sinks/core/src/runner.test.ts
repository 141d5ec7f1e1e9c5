import { Registry } from 'prom-client'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { SINK_METRICS } from './metrics.ts'
import { runSink } from './runner.ts'
import { ScriptedConsumer, scriptedBackend } from './scripted-fixtures.ts'
import { type Item, sinkTest, TOPIC, DLQ, GROUP, silent, decode, start, recordsAt } from './sink-fixtures.ts'
import type { SinkTarget } from './target.ts'
import { FakeTarget } from './testing/index.ts'

const test = sinkTest()

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
