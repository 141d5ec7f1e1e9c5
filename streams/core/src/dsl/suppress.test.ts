import test from 'ava'
import type { Windowed } from '../record.ts'
import { Serdes } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { BufferConfig, Suppressed } from './suppressed.ts'
import { suppressEntrySerde, type SuppressEntry } from './suppress-buffer.ts'
import { SessionWindows, TimeWindows } from './windows.ts'

const S = Serdes.String()
const L = Serdes.Long()

function countThen(suppressed: Suppressed): TopologyTestDriver {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .count()
    .suppress(suppressed)
    .toStream()
    .to('out', { valueSerde: L as never })
  return new TopologyTestDriver(b.build())
}

function read(driver: TopologyTestDriver): string[] {
  return driver
    .createOutputTopic('out', S, L)
    .readRecordsToList()
    .map((r) => `${r.key}=${r.value}@${r.timestamp}`)
}

test('untilTimeLimit emits a key latest update once stream time passes its first buffered time plus the limit', (t) => {
  const driver = countThen(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 0)
  input.pipeInput('a', 'x', 5)
  input.pipeInput('b', 'x', 6)
  t.deepEqual(read(driver), [])
  // a was first buffered at 0: due at 10, with its latest count; b (buffered at 6) waits.
  input.pipeInput('c', 'x', 10)
  t.deepEqual(read(driver), ['a=2@5'])
  // a is buffered afresh at 11, behind b and c.
  input.pipeInput('a', 'x', 11)
  input.pipeInput('c', 'x', 20) // b (buffered at 6) and c (at 10) are due; a is due at 21
  t.deepEqual(read(driver), ['b=1@6', 'c=2@20'])
  input.pipeInput('c', 'x', 21) // c is buffered afresh at 21, a leaves
  t.deepEqual(read(driver), ['a=3@11'])
  driver.close()
})

test('untilTimeLimit keeps a key in its place (non-resetting) and orders equal times by key bytes', (t) => {
  const driver = countThen(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()))
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('b', 'x', 1)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('b', 'x', 3) // b keeps time 1
  input.pipeInput('z', 'x', 6)
  t.deepEqual(read(driver), ['a=1@1', 'b=2@3'])
  driver.close()
})

test('a buffer bounded by maxRecords emits its oldest entries early when full', (t) => {
  const driver = countThen(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(2)))
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('b', 'x', 2)
  input.pipeInput('a', 'x', 3) // still two keys
  t.deepEqual(read(driver), [])
  input.pipeInput('c', 'x', 4) // three keys: a (the oldest) goes early
  t.deepEqual(read(driver), ['a=2@3'])
  driver.close()
})

test('a buffer bounded by maxBytes counts Kafka entry estimate: key, values and record context', (t) => {
  // One entry of key 'a' from topic 'in': 8 (time) + 1 (key) + 8 (prior value, a long) + 8 (new)
  // + 8 + 8 + 2 ('in') + 4 = 47 bytes on its first update, its old value being its prior.
  const driver = countThen(Suppressed.untilTimeLimit(1000, BufferConfig.maxBytes(47 + 47)))
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('b', 'x', 2)
  t.deepEqual(read(driver), [])
  // The second update of a counts its old value beside its prior: 55 bytes, over 94 in all.
  input.pipeInput('a', 'x', 3)
  t.deepEqual(read(driver), ['a=2@3'])
  driver.close()
})

test('shutDownWhenFull fails the processing with a typed error naming the node', (t) => {
  const driver = countThen(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(1).shutDownWhenFull()))
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  const error = t.throws(() => input.pipeInput('b', 'x', 2))
  const cause = error instanceof StreamsError ? error : (error?.cause as StreamsError | undefined)
  t.true(
    [error, cause].some(
      (e) => e instanceof StreamsError && e.code === STREAMS_ERROR_CODES.SUPPRESS_BUFFER_FULL,
    ),
    String(error),
  )
  t.regex(String(cause?.message ?? error?.message), /KTABLE-SUPPRESS-.*\[2\/1\] records/)
  driver.close()
})

test('untilTimeLimit on a windowed table uses record time, not window end', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(100, 0))
    .count()
    .suppress(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()))
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 100) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'x', 2)
  input.pipeInput('b', 'x', 6)
  const out = driver
    .createOutputTopic('out', WindowedSerdes.timeWindowed(S, 100), L)
    .readRecordsToList()
    .map((r) => {
      const w = r.key as Windowed<string>
      return `${w.key}@${w.window.start}=${r.value}`
    })
  t.deepEqual(out, ['a@0=2'])
  driver.close()
})

test('untilWindowCloses refuses a buffer that emits early, and accepts a bounded strict one', (t) => {
  const error = t.throws(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(10)))
  t.is((error as StreamsError).code, STREAMS_ERROR_CODES.INVALID_CONFIG)
  const strict = Suppressed.untilWindowCloses(BufferConfig.maxRecords(10).shutDownWhenFull(), 'final')
  t.is(strict.kind, 'untilWindowCloses')
  t.is(strict.name, 'final')
  t.is(strict.buffer.maxRecords, 10)
  t.throws(() => BufferConfig.maxBytes(-1), { instanceOf: StreamsError })
  t.throws(() => Suppressed.untilTimeLimit(-5, BufferConfig.unbounded()), { instanceOf: StreamsError })
})

test('untilWindowCloses with a bounded buffer shuts down when more windows wait than it holds', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 0))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.maxRecords(1).shutDownWhenFull()))
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'x', 12) // [0,10) closes and leaves: one window waits
  t.throws(() => input.pipeInput('b', 'x', 13))
  driver.close()
})

test('a suppressed table reads, for a join, as downstream has seen it: a buffered key by its value before buffering', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const suppressed = b
    .table<string, string>('table')
    .suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
  b.stream<string, string>('in')
    .leftJoin(suppressed, (v, tv) => `${v}+${tv}`)
    .to('joined')
  const driver = new TopologyTestDriver(b.build())
  const table = driver.createInputTopic('table', S, S)
  const stream = driver.createInputTopic('in', S, S)
  const joined = (): string[] =>
    driver
      .createOutputTopic('joined', S, S)
      .readKeyValuesToList()
      .map((kv) => `${kv.value}`)
  table.pipeInput('k', 'a1', 1)
  stream.pipeInput('k', 'v', 2) // buffered since 1, never emitted: nothing seen yet
  table.pipeInput('x', 'other', 11) // k is emitted
  stream.pipeInput('k', 'w', 12)
  table.pipeInput('k', 'a2', 13) // buffered again: its prior value is a1
  stream.pipeInput('k', 'y', 14)
  t.deepEqual(joined(), ['v+null', 'w+a1', 'y+a1'])
  driver.close()
})

test('a buffer entry of the earlier layout (timestamp, value) restores and leaves at its window end', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 0))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded(), 'final'))
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  // What the earlier buffer wrote to its changelog for window old@[0,10): timestamp 7, then a long 5.
  const legacy = Buffer.alloc(16)
  legacy.writeBigInt64BE(7n, 0)
  legacy.writeBigInt64BE(5n, 8)
  const entry = suppressEntrySerde.deserialize('final-STATE-STORE-changelog', legacy, {}) as SuppressEntry
  t.is(entry.timestamp, 7)
  const buffer = driver.getKeyValueStore<Windowed<string>, SuppressEntry>('final-STATE-STORE')
  buffer.put({ key: 'old', window: { start: 0, end: 10 } }, entry)
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 5)
  input.pipeInput('a', 'x', 12) // closes [0,10): the restored window and a's
  const out = driver
    .createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L)
    .readRecordsToList()
    .map(
      (r) =>
        `${(r.key as Windowed<string>).key}@${(r.key as Windowed<string>).window.start}=${r.value}@${r.timestamp}`,
    )
  t.deepEqual(out, ['a@0=1@5', 'old@0=5@7'])
  // The current layout round-trips.
  const again = suppressEntrySerde.deserialize(
    't',
    suppressEntrySerde.serialize('t', { ...entry, time: 3, headers: { h: Buffer.from('v') } }, {}) as Buffer,
    {},
  ) as SuppressEntry
  t.is(again.time, 3)
  t.deepEqual(again.headers, { h: Buffer.from('v') })
  t.deepEqual(again.new, entry.new)
  driver.close()
})

/** A session count per key, suppressed until its session closes, into `out` as `key@start-end=count`. */
function sessionsThen(buffer: BufferConfig): TopologyTestDriver {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 0))
    .count({ storeName: 'sessions' })
    .suppress(Suppressed.untilWindowCloses(buffer, 'final'))
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S) as never, valueSerde: L as never })
  return new TopologyTestDriver(b.build())
}

function sessionsOut(driver: TopologyTestDriver): string[] {
  return driver
    .createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L)
    .readRecordsToList()
    .map((r) => {
      const key = r.key as Windowed<string>
      return `${key.key}@${key.window.start}-${key.window.end}=${r.value}@${r.timestamp}`
    })
}

test('an unbounded final-results buffer holds one entry per open session, not one per record that grew it', (t) => {
  const driver = sessionsThen(BufferConfig.unbounded())
  const input = driver.createInputTopic('in', S, S)
  const buffer = driver.getKeyValueStore<Windowed<string>, SuppressEntry>('final-STATE-STORE')
  // Each record extends a's session: the aggregation deletes [1,t-1] and writes [1,t].
  for (let at = 1; at <= 50; at++) input.pipeInput('a', 'x', at)
  input.pipeInput('b', 'x', 55)
  t.is(buffer.approximateNumEntries(), 2)
  t.deepEqual(sessionsOut(driver), [])
  // The bounds the session had before its last record are not held any more.
  t.is(buffer.get({ key: 'a', window: { start: 1, end: 49 } }), undefined)
  input.pipeInput('c', 'x', 61) // closes a@[1,50] (end 50 + gap 10 < 61)
  t.deepEqual(sessionsOut(driver), ['a@1-50=50@50'])
  t.is(buffer.approximateNumEntries(), 2)
  driver.close()
})

test('a bounded final-results buffer counts deleted sessions until they close, as Kafka does, and shuts down', (t) => {
  const driver = sessionsThen(BufferConfig.maxRecords(5).shutDownWhenFull())
  const input = driver.createInputTopic('in', S, S)
  for (let at = 1; at <= 5; at++) input.pipeInput('a', 'x', at)
  // Five entries wait ([1,1] to [1,4] deleted, [1,5]); a sixth is one too many.
  const error = t.throws(() => input.pipeInput('a', 'x', 6))
  t.is((error as StreamsError).code, STREAMS_ERROR_CODES.SUPPRESS_BUFFER_FULL)
  driver.close()
})
