import { SINK_DEAD_LETTER_HEADERS } from './dead-letter.ts'
import { SINK_ERROR_CODES } from './errors.ts'
import {
  type Item,
  sinkTest,
  TOPIC,
  GROUP,
  produce,
  json,
  start,
  committed,
  until,
  deadLettersOf,
} from './sink-fixtures.ts'
import { FakeTarget } from './testing/index.ts'

const test = sinkTest()

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

test('stop flushes what is buffered, commits and leaves', async (t) => {
  const target = new FakeTarget<Item>()
  const sink = await start(t, target, { batch: { maxRecords: 100, maxWaitMs: 60_000, whenCaughtUp: 'wait' } })
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

test('a delivery that caught up with its partition is written at once, not after the linger; "wait" keeps the linger', async (t) => {
  const target = new FakeTarget<Item>()
  const linger = { maxRecords: 100, maxWaitMs: 60_000 }
  const sink = await start(t, target, { batch: linger })
  const started = Date.now()
  produce(t.context.backend, [json(1), json(2)], 0)
  await until(() => committed(t.context.backend, 0) === '2')
  t.true(Date.now() - started < 5_000, 'written long before the 60 s linger')
  t.deepEqual(
    target.items.map((i) => i.n),
    [1, 2],
  )
  await sink.stop()

  const waiting = new FakeTarget<Item>()
  const held = await start(t, waiting, {
    groupId: `${GROUP}-wait`,
    batch: { ...linger, whenCaughtUp: 'wait' },
  })
  await until(() => held.health().buffered === 2)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.is(waiting.calls, 0, 'held for the linger')
  await held.stop()
  t.is(waiting.writes.length, 1, 'and written at stop')

  // A target that wants few large writes says so itself (ClickHouse's do).
  const large = Object.assign(new FakeTarget<Item>(), { whenCaughtUp: 'wait' as const })
  const hinted = await start(t, large, { groupId: `${GROUP}-hinted`, batch: linger })
  await until(() => hinted.health().buffered === 2)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.is(large.calls, 0, 'held for the linger the target asked for')
})
