/**
 * One test per rule where Kafka Streams 4.3.1's own TopologyTestDriver (String/Long serdes, caching
 * off, in-memory stores) was seen to differ from this package; the expected outputs are Kafka's.
 * Records are written `key=value@timestamp`, windowed keys `key@start-end`.
 */
import test from 'ava'
import type { Windowed } from '../record.ts'
import { Serdes, type Serde } from '@oxagry/kafka'
import { InMemoryWindowStore } from '../state/memory-stores.ts'
import type { KeyValueStore } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import { Suppressed } from './suppressed.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

const S = Serdes.String()
const L = Serdes.Long()
const TW = (size: number): Serde<Windowed<string>> => WindowedSerdes.timeWindowed(S, size)
const SW = WindowedSerdes.sessionWindowed(S)

function builder(): StreamsBuilder {
  return new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
}

function show(key: unknown): string {
  if (key !== null && typeof key === 'object' && 'window' in key) {
    const w = key as Windowed<string>
    return `${w.key}@${w.window.start}-${w.window.end}`
  }
  return String(key)
}

function read<K, V>(
  driver: TopologyTestDriver,
  topic: string,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): string[] {
  return driver
    .createOutputTopic(topic, keySerde, valueSerde)
    .readRecordsToList()
    .map((r) => `${show(r.key)}=${String(r.value)}@${r.timestamp}`)
}

test('A: a count is stamped with the largest timestamp of the records in it', (t) => {
  const b = builder()
  const s = b.stream<string, string>('in')
  s.groupByKey()
    .count()
    .toStream()
    .to('plain', { valueSerde: L as never })
  s.groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 100))
    .count()
    .toStream()
    .to('windowed', { keySerde: TW(10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 5)
  input.pipeInput('a', 'x', 2)
  t.deepEqual(read(driver, 'plain', S, L), ['a=1@5', 'a=2@5'])
  t.deepEqual(read(driver, 'windowed', TW(10), L), ['a@0-10=1@5', 'a@0-10=2@5'])
  driver.close()
})

test('A: a table aggregation is stamped with the largest timestamp of the updates in it', (t) => {
  const b = builder()
  b.table<string, string>('items')
    .groupBy((_k, v) => ({ key: v, value: v }))
    .count()
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('items', S, S)
  input.pipeInput('i1', 'fruit', 7)
  input.pipeInput('i2', 'fruit', 3)
  t.deepEqual(read(driver, 'out', S, L), ['fruit=1@7', 'fruit=2@7'])
  driver.close()
})

test('B: a source table and toTable() forward a tombstone for a key they never held', (t) => {
  const b = builder()
  b.table<string, string>('t').toStream().to('from-table')
  b.stream<string, string>('s').toTable().toStream().to('from-stream')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('t', S, S).pipeInput('c', null, 8)
  driver.createInputTopic('s', S, S).pipeInput('c', null, 9)
  t.deepEqual(read(driver, 'from-table', S, S), ['c=null@8'])
  t.deepEqual(read(driver, 'from-stream', S, S), ['c=null@9'])
  driver.close()
})

test('C: a table filter sends a tombstone for every update that fails, unless it sends old values', (t) => {
  const b = builder()
  b.table<string, string>('stock')
    .filter((_k, v) => Number(v) < 10)
    .toStream()
    .to('unnamed')
  // A named source table sends old values, so the filter skips what was absent before and after.
  b.table<string, string>('stock2', {}, { storeName: 'stock2-store' })
    .filter((_k, v) => Number(v) < 10)
    .toStream()
    .to('named')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('stock', S, S).pipeInput('p1', '50', 1)
  const named = driver.createInputTopic('stock2', S, S)
  named.pipeInput('p1', '50', 1)
  named.pipeInput('p1', '5', 2)
  named.pipeInput('p1', '60', 3)
  t.deepEqual(read(driver, 'unnamed', S, S), ['p1=null@1'])
  t.deepEqual(read(driver, 'named', S, S), ['p1=5@2', 'p1=null@3'])
  driver.close()
})

test('C: a first aggregate carries the initializer as old value, so a filter retracts it', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .count()
    .filter((_k, n) => n % 2 === 0)
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'x', 2)
  input.pipeInput('a', 'x', 3)
  // 1 fails, but the old value 0 passed: a tombstone; 3 fails after 2 passed: another.
  t.deepEqual(read(driver, 'out', S, L), ['a=null@1', 'a=2@2', 'a=null@3'])
  driver.close()
})

test('D: a table groupBy that keeps its group key sends one subtract-and-add update (KIP-904)', (t) => {
  const b = builder()
  b.table<string, string>('items')
    .groupBy((_k, v) => ({ key: v.split(':')[0] ?? '', value: Number(v.split(':')[1]) }), { valueSerde: L })
    .reduce(
      (a, n) => a + n,
      (a, n) => a - n,
      { valueSerde: L },
    )
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('items', S, S)
  input.pipeInput('item', 'fruit:3', 1)
  input.pipeInput('item', 'fruit:5', 3)
  t.deepEqual(read(driver, 'out', S, L), ['fruit=3@1', 'fruit=5@3'])
  driver.close()
})

test('E: time and session windows count a null value; sliding windows drop it', (t) => {
  const b = builder()
  const grouped = b.stream<string, string>('in').groupByKey()
  grouped
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 100))
    .count()
    .toStream()
    .to('tumbling', { keySerde: TW(10) as never, valueSerde: L as never })
  grouped
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100))
    .count()
    .toStream()
    .to('session', { keySerde: SW as never, valueSerde: L as never })
  grouped
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 100))
    .count()
    .toStream()
    .to('sliding', { keySerde: TW(10) as never, valueSerde: L as never })
  grouped
    .count()
    .toStream()
    .to('plain', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', null, 1)
  input.pipeInput(null, 'x', 2)
  t.deepEqual(read(driver, 'tumbling', TW(10), L), ['m@0-10=1@1'])
  t.deepEqual(read(driver, 'session', SW, L), ['m@1-1=1@1'])
  t.deepEqual(read(driver, 'sliding', TW(10), L), [])
  t.deepEqual(read(driver, 'plain', S, L), [])
  driver.close()
})

test('F: a windowed aggregation keeps its own stream time, moved only by records that reach it', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .filter((_k, v) => v !== 'skip')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .count()
    .toStream()
    .to('out', { keySerde: TW(10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'skip', 100)
  input.pipeInput('m', 'x', 6)
  t.deepEqual(read(driver, 'out', TW(10), L), ['m@0-10=1@6'])
  driver.close()
})

test('F: suppress emits only when an update reaches it, by its own stream time, never from a punctuation', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .filter((_k, v) => v !== 'skip')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to('out', { keySerde: TW(10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'skip', 100)
  const output = driver.createOutputTopic('out', TW(10), L)
  t.true(output.isEmpty())
  input.pipeInput('b', 'x', 12)
  t.deepEqual(
    output.readRecordsToList().map((r) => `${show(r.key)}=${r.value}@${r.timestamp}`),
    ['a@0-10=1@1'],
  )
  driver.close()
})

test('G: sliding windows update the windows a reverse scan finds, then create new ones', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 100))
    .count()
    .toStream()
    .to('out', { keySerde: TW(10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 20)
  input.pipeInput('m', 'x', 25)
  input.pipeInput('m', 'x', 22)
  t.deepEqual(read(driver, 'out', TW(10), L), [
    'm@10-20=1@20',
    'm@21-31=1@25',
    'm@15-25=2@25',
    'm@21-31=2@25',
    'm@15-25=3@25',
    'm@12-22=2@22',
    'm@23-33=1@25',
  ])
  driver.close()
})

test('H: session results and tombstones are stamped with the session end; every merged session is retracted', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100))
    .count()
    .toStream()
    .to('out', { keySerde: SW as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 0)
  input.pipeInput('m', 'x', 4)
  input.pipeInput('m', 'x', 2)
  t.deepEqual(read(driver, 'out', SW, L), [
    'm@0-0=1@0',
    'm@0-0=null@0',
    'm@0-4=2@4',
    'm@0-4=null@4',
    'm@0-4=3@4',
  ])
  driver.close()
})

test('I: suppress emits due windows by window end, then by serialized key', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 2))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to('out', { keySerde: TW(10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('b', 'x', 14)
  input.pipeInput('a', 'x', 16)
  input.pipeInput('c', 'x', 25)
  t.deepEqual(read(driver, 'out', TW(10), L), ['a@10-20=1@16', 'b@10-20=1@14'])
  driver.close()
})

test('J: a stream-table left join keeps a null-key record with a value; every join drops a null value', (t) => {
  const b = builder()
  const table = b.table<string, string>('prices')
  const orders = b.stream<string, string>('orders')
  orders.join(table, (o, p) => `${o}*${p}`).to('inner')
  orders.leftJoin(table, (o, p) => `${o}*${p ?? 'none'}`).to('left')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('prices', S, S).pipeInput('wheat', '7', 0)
  const input = driver.createInputTopic('orders', S, S)
  input.pipeInput(null, 'o1', 1)
  input.pipeInput('wheat', null, 2)
  input.pipeInput('wheat', 'o3', 3)
  t.deepEqual(read(driver, 'inner', S, S), ['wheat=o3*7@3'])
  t.deepEqual(read(driver, 'left', S, S), ['null=o1*none@1', 'wheat=o3*7@3'])
  driver.close()
})

test('K: a stream-globalTable left join keeps a record whose table key is null; a null value never joins', (t) => {
  const b = builder()
  const table = b.globalTable<string, string>('prices')
  const orders = b.stream<string, string>('orders')
  const product = (_k: string, v: string | null): string | null => v?.split(':')[0] || null
  orders.joinGlobal(table, product, (o, p) => `${o}*${p}`).to('inner')
  orders.leftJoinGlobal(table, product, (o, p) => `${o}*${p ?? 'none'}`).to('left')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('prices', S, S).pipeInput('wheat', '7', 0)
  const input = driver.createInputTopic('orders', S, S)
  input.pipeInput('o1', ':no-product', 1)
  input.pipeInput('o2', null, 2)
  input.pipeInput('o3', 'wheat:1', 3)
  t.deepEqual(read(driver, 'inner', S, S), ['o3=wheat:1*7@3'])
  t.deepEqual(read(driver, 'left', S, S), ['o1=:no-product*none@1', 'o3=wheat:1*7@3'])
  driver.close()
})

test('L: a window store drops windows at or below its largest window start minus retention', (t) => {
  const store = new InMemoryWindowStore<string, number>('w', 10, false)
  store.put('k', 1, 0)
  store.put('k', 2, 10)
  t.is(store.fetch('k', 0), undefined)
  t.deepEqual(
    store.fetchRange('k', 0, 20).map((e) => e.windowStart),
    [10],
  )
  store.put('k', 3, 0) // already expired: not written
  t.is(store.fetch('k', 0), undefined)
  t.is(store.fetch('k', 10), 2)
})

test('L: a windowed aggregation keeps a window while the newest window start is within retention', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count({ storeName: 'counts' })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m', 'x', 0)
  input.pipeInput('m', 'x', 19) // retention 15: the newest window starts at 10, and 0 > 10 - 15
  const store = driver.getWindowStore<string, number>('counts')
  t.is(store.fetch('m', 0), 1)
  input.pipeInput('m', 'x', 25) // the newest window starts at 20: 0 <= 20 - 15
  t.is(store.fetch('m', 0), undefined)
  t.is(store.fetch('m', 10), 1)
  driver.close()
})

for (const persistent of [false, true]) {
  test(`M: a processor walks ${persistent ? 'a persistent' : 'an in-memory'} store in key-byte order, by range and prefix`, (t) => {
    const b = builder()
    const options = { keySerde: S, valueSerde: S }
    b.addStateStore(
      persistent
        ? Stores.persistentKeyValueStore('seen', options)
        : Stores.inMemoryKeyValueStore('seen', options),
    )
    b.stream<string, string>('in')
      .process<string, string>(() => {
        let store: KeyValueStore<string, string>
        let forward: (value: string, timestamp: number) => void
        return {
          init(context) {
            store = context.getStateStore('seen')
            forward = (value, timestamp) => context.forward({ key: 'seen', value, timestamp, headers: {} })
          },
          process(record) {
            store.put(record.key, record.value)
            const keys = (it: Iterable<{ key: string }>): string => [...it].map((e) => e.key).join(',')
            forward(
              `${keys(store.all())}|${keys(store.range('a', 'b'))}|${keys(store.reverseRange())}|${keys(store.prefixScan('a', S))}`,
              record.timestamp,
            )
          },
        }
      }, 'seen')
      .to('out')
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', S, S)
    for (const key of ['b', 'ab', 'B', 'a', 'c']) input.pipeInput(key, 'x', 1)
    t.deepEqual(
      driver.createOutputTopic('out', S, S).readValuesToList().at(-1),
      'B,a,ab,b,c|a,ab,b|c,b,ab,a,B|a,ab',
    )
    driver.close()
  })
}
