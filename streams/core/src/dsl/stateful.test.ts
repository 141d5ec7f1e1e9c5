import test from 'ava'
import type { Windowed } from '../record.ts'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import { Suppressed } from './suppressed.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

const S = Serdes.String()
const L = Serdes.Long()

function builder(): StreamsBuilder {
  return new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
}

const fmt = (w: Windowed<string>): string => `${w.key}@${w.window.start}-${w.window.end}`

test('groupByKey().count() counts per key and emits every update', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  for (const k of ['a', 'b', 'a', 'a']) input.pipeInput(k, 'x', 1)
  input.pipeInput(null, 'no key', 2)
  t.deepEqual(driver.createOutputTopic('out', S, L).readKeyValuesToList(), [
    { key: 'a', value: 1 },
    { key: 'b', value: 1 },
    { key: 'a', value: 2 },
    { key: 'a', value: 3 },
  ])
  t.is(driver.getKeyValueStore<string, number>('counts').get('a'), 3)
  driver.close()
})

test('groupBy re-keys through a repartition topic; reduce and aggregate fold values', (t) => {
  const b = builder()
  const s = b.stream<string, string>('in')
  s.groupBy((_k, v) => v.split(':')[0] ?? '')
    .reduce((a, v) => `${a}+${v.split(':')[1]}`)
    .toStream()
    .to('reduced')
  s.groupBy((_k, v) => v.split(':')[0] ?? '')
    .aggregate(
      () => 0,
      (_k, v, sum) => sum + Number(v.split(':')[1]),
      { valueSerde: L },
    )
    .toStream()
    .to('sums', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('o1', 'wheat:5', 1)
  input.pipeInput('o2', 'oats:2', 2)
  input.pipeInput('o3', 'wheat:7', 3)
  t.deepEqual(
    driver.createOutputTopic('sums', S, L).readKeyValuesToMap(),
    new Map([
      ['wheat', 12],
      ['oats', 2],
    ]),
  )
  t.deepEqual(driver.createOutputTopic('reduced', S, S).readKeyValuesToMap().get('wheat'), 'wheat:5+7')
  driver.close()
})

test('tumbling windows count per window and drop records later than the grace period', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 1)
  input.pipeInput('m', 'x', 9)
  input.pipeInput('m', 'x', 12)
  input.pipeInput('m', 'x', 8) // window [0,10) closes at 10 + 5 = 15; stream time is 12: accepted
  input.pipeInput('m', 'x', 30)
  input.pipeInput('m', 'x', 3) // stream time 30: [0,10) closed long ago: dropped
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L).readKeyValuesToList()
  t.deepEqual(
    out.map((r) => `${fmt(r.key)}=${r.value}`),
    ['m@0-10=1', 'm@0-10=2', 'm@10-20=1', 'm@0-10=3', 'm@30-40=1'],
  )
  driver.close()
})

test('hopping windows put a record in every window that covers it', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5))
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('in', S, S).pipeInput('m', 'x', 7)
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L).readKeyValuesToList()
  t.deepEqual(
    out.map((r) => fmt(r.key)),
    ['m@0-10', 'm@5-15'],
  )
  driver.close()
})

test('suppress(untilWindowCloses) emits each window once, with its final count', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 2))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'x', 5)
  input.pipeInput('b', 'x', 6)
  input.pipeInput('a', 'x', 11) // stream time 11 < 10 + 2: nothing closed yet
  const output = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L)
  t.true(output.isEmpty())
  input.pipeInput('a', 'x', 12) // stream time 12: [0,10) closes
  t.deepEqual(
    output.readKeyValuesToList().map((r) => `${fmt(r.key)}=${r.value}`),
    ['a@0-10=2', 'b@0-10=1'],
  )
  input.pipeInput('c', 'x', 25)
  t.deepEqual(
    output.readKeyValuesToList().map((r) => `${fmt(r.key)}=${r.value}`),
    ['a@10-20=2'],
  )
  driver.close()
})

test('session windows merge records within the gap and retract the merged sessions', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100))
    .count({ storeName: 'sessions' })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 0)
  input.pipeInput('m', 'x', 20)
  input.pipeInput('m', 'x', 3)
  input.pipeInput('m', 'x', 24)
  input.pipeInput('m', 'x', 12) // 12 is more than 5 from both 3 and 20: a session of its own
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L).readKeyValuesToList()
  t.deepEqual(
    out.map((r) => `${fmt(r.key)}=${r.value}`),
    ['m@0-0=1', 'm@20-20=1', 'm@0-0=null', 'm@0-3=2', 'm@20-20=null', 'm@20-24=2', 'm@12-12=1'],
  )
  const sessions = driver.getSessionStore<string, number>('sessions')
  t.deepEqual(
    sessions.findSessions('m', 0, 100).map((s) => `${s.key.window.start}-${s.key.window.end}=${s.value}`),
    ['0-3=2', '12-12=1', '20-24=2'],
  )
  driver.close()
})

test('sliding windows aggregate records at most the time difference apart', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 100))
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 20)
  input.pipeInput('m', 'x', 25)
  input.pipeInput('m', 'x', 40)
  const latest = new Map<string, number>()
  for (const r of driver
    .createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L)
    .readKeyValuesToList()) {
    latest.set(fmt(r.key), r.value)
  }
  // Left windows end at each record; the right window of 20 starts at 21 and holds 25.
  t.deepEqual(Object.fromEntries(latest), {
    'm@10-20': 1,
    'm@15-25': 2,
    'm@21-31': 1,
    'm@30-40': 1,
  })
  driver.close()
})

test('a table groupBy subtracts the old value and adds the new one', (t) => {
  const b = builder()
  // machine -> field it is in; count machines per field
  b.table<string, string>('machine-field')
    .groupBy((machine, field) => ({ key: field, value: machine }))
    .count({ storeName: 'per-field' })
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('machine-field', S, S)
  input.pipeInput('m1', 'north', 1)
  input.pipeInput('m2', 'north', 2)
  input.pipeInput('m1', 'south', 3)
  input.pipeInput('m2', null, 4)
  const store = driver.getKeyValueStore<string, number>('per-field')
  t.is(store.get('north'), 0)
  t.is(store.get('south'), 1)
  t.deepEqual(
    driver.createOutputTopic('out', S, L).readKeyValuesToMap(),
    new Map([
      ['north', 0],
      ['south', 1],
    ]),
  )
  driver.close()
})

test('KTable filter and mapValues pass updates and turn every filtered-out update into a delete', (t) => {
  const b = builder()
  b.table<string, string>('stock')
    .mapValues((v) => Number(v))
    .filter((_k, n) => n < 10, { storeName: 'low', valueSerde: L as never })
    .toStream()
    .to('low-stock', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('stock', S, S)
  input.pipeInput('p1', '50', 1)
  input.pipeInput('p1', '5', 2)
  input.pipeInput('p1', '60', 3)
  // The source table is not named, so the filter sends no old values: 50 fails and still deletes.
  t.deepEqual(driver.createOutputTopic('low-stock', S, L).readValuesToList(), [null, 5, null])
  t.is(driver.getKeyValueStore<string, number>('low').get('p1'), undefined)
  driver.close()
})

test('stream-table join and left join use the table value current at processing time', (t) => {
  const b = builder()
  const fields = b.table<string, string>('fields')
  const pings = b.stream<string, string>('pings')
  pings.join(fields, (ping, field) => `${ping} in ${field}`).to('joined')
  pings.leftJoin(fields, (ping, field) => `${ping} in ${field ?? 'nowhere'}`).to('left')
  const driver = new TopologyTestDriver(b.build())
  const p = driver.createInputTopic('pings', S, S)
  const f = driver.createInputTopic('fields', S, S)
  p.pipeInput('m1', 'p0', 1)
  f.pipeInput('m1', 'north', 2)
  p.pipeInput('m1', 'p1', 3)
  f.pipeInput('m1', 'south', 4)
  p.pipeInput('m1', 'p2', 5)
  t.deepEqual(driver.createOutputTopic('joined', S, S).readValuesToList(), ['p1 in north', 'p2 in south'])
  t.deepEqual(driver.createOutputTopic('left', S, S).readValuesToList(), [
    'p0 in nowhere',
    'p1 in north',
    'p2 in south',
  ])
  driver.close()
})

test('a stream joins a global table through a key derived from its value', (t) => {
  const b = builder()
  const products = b.globalTable<string, string>('products')
  const orders = b.stream<string, string>('orders')
  orders
    .joinGlobal(
      products,
      (_k, v) => v,
      (v, name) => `${v}:${name}`,
    )
    .to('enriched')
  orders
    .leftJoinGlobal(
      products,
      (_k, v) => v,
      (v, name) => `${v}:${name ?? '?'}`,
    )
    .to('left')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('products', S, S).pipeInput('p1', 'barley seed', 1)
  const o = driver.createInputTopic('orders', S, S)
  o.pipeInput('o1', 'p1', 2)
  o.pipeInput('o2', 'p9', 3)
  t.deepEqual(driver.createOutputTopic('enriched', S, S).readValuesToList(), ['p1:barley seed'])
  t.deepEqual(driver.createOutputTopic('left', S, S).readValuesToList(), ['p1:barley seed', 'p9:?'])
  driver.close()
})

test('a join after a key change repartitions the stream first', (t) => {
  const b = builder()
  const names = b.table<string, string>('names')
  b.stream<string, string>('events')
    .selectKey((_k, v) => v)
    .join(names, (v, name) => `${v}=${name}`)
    .to('out')
  const topology = b.build()
  t.true(topology.internalTopics.some((i) => i.kind === 'repartition'))
  const driver = new TopologyTestDriver(topology)
  driver.createInputTopic('names', S, S).pipeInput('m7', 'Tractor 7', 1)
  driver.createInputTopic('events', S, S).pipeInput('x', 'm7', 2)
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['m7=Tractor 7'])
  driver.close()
})

test('a session record later than the grace period is dropped, loudly', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 0)
  input.pipeInput('m', 'x', 20)
  input.pipeInput('m', 'x', 3)
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L).readKeyValuesToList()
  t.deepEqual(
    out.map((r) => `${fmt(r.key)}=${r.value}`),
    ['m@0-0=1', 'm@20-20=1'],
  )
  t.deepEqual(driver.droppedRecords(), [
    { node: 'KSTREAM-AGGREGATE-0000000001', reason: "record at 3 is later than its session's grace period" },
  ])
  driver.close()
})

test('windowed and session aggregations run the same on persistent (LMDB) stores', (t) => {
  const b = new StreamsBuilder({
    defaultKeySerde: S as never,
    defaultValueSerde: S as never,
    defaultStoreType: 'persistent',
  })
  const grouped = b.stream<string, string>('in').groupByKey()
  grouped.windowedBy(TimeWindows.ofSizeAndGrace(10, 0)).count({ storeName: 'tumbling' })
  grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100)).count({ storeName: 'sessions' })
  grouped.count({ storeName: 'totals' })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  for (const ts of [1, 3, 12, 14, 30]) input.pipeInput('m', 'x', ts)
  const tumbling = driver.getWindowStore<string, number>('tumbling')
  t.true(tumbling.persistent)
  t.deepEqual(
    tumbling.fetchRange('m', 0, 100).map((e) => `${e.windowStart}=${e.value}`),
    ['30=1'],
    'windows before stream time minus retention (size + grace) are gone',
  )
  const sessions = driver.getSessionStore<string, number>('sessions')
  t.deepEqual(
    sessions.findSessions('m', 0, 100).map((s) => `${s.key.window.start}-${s.key.window.end}=${s.value}`),
    ['1-3=2', '12-14=2', '30-30=1'],
  )
  t.is(driver.getKeyValueStore<string, number>('totals').get('m'), 5)
  driver.close()
})

test('a suppressed session is emitted once, after its end + gap + grace, even if a record within the gap extends it', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  const output = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L)
  input.pipeInput('m', 'x', 0)
  input.pipeInput('m', 'x', 8)
  input.pipeInput('other', 'x', 17) // stream time 17 < 8 + 10 + 5: the session may still grow
  t.true(output.isEmpty())
  input.pipeInput('m', 'x', 16) // within the gap of 8: extends the session to [0, 16]
  input.pipeInput('other', 'x', 30) // 30 < 16 + 15: still open
  t.true(output.isEmpty())
  input.pipeInput('other', 'x', 31) // 31 >= 16 + 10 + 5: closes, emitted once with all three
  t.deepEqual(
    output
      .readKeyValuesToList()
      .filter((r) => r.key.key === 'm')
      .map((r) => `${fmt(r.key)}=${r.value}`),
    ['m@0-16=3'],
  )
  driver.close()
})

test('KTable filterNot keeps what the predicate refuses; a grouped table reduces with adder and subtractor', (t) => {
  const b = builder()
  const stock = b.table<string, string>('stock').mapValues((v) => Number(v))
  stock
    .filterNot((_k, n) => n < 10)
    .toStream()
    .to('plenty', { valueSerde: L as never })
  stock
    .groupBy((product, n) => ({ key: product.split('@')[0] ?? '', value: n }), { valueSerde: L })
    .reduce(
      (a, n) => a + n,
      (a, n) => a - n,
      { storeName: 'per-product', valueSerde: L },
    )
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('stock', S, S)
  input.pipeInput('seed@north', '50', 1)
  input.pipeInput('seed@south', '5', 2)
  input.pipeInput('seed@north', '8', 3)
  // groupBy forces old values on the mapValues only after filterNot was built: the filter still sends
  // a tombstone for 8, though 50 was not in its output either.
  t.deepEqual(driver.createOutputTopic('plenty', S, L).readValuesToList(), [50, null, null])
  t.is(driver.getKeyValueStore<string, number>('per-product').get('seed'), 13)
  driver.close()
})
