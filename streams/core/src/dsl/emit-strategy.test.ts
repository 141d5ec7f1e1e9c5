import test from 'ava'
import type { Windowed } from '../record.ts'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import { EmitStrategy } from './emit-strategy.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'
import type { StoreType } from './options.ts'

const S = Serdes.String()
const L = Serdes.Long()

function builder(storeType: StoreType = 'in-memory'): StreamsBuilder {
  return new StreamsBuilder({
    defaultKeySerde: S as never,
    defaultValueSerde: S as never,
    defaultStoreType: storeType,
  })
}

const fmt = (w: Windowed<string>): string => `${w.key}@${w.window.start}-${w.window.end}`

function readWindowed(
  driver: TopologyTestDriver,
  size: number,
): { key: string; value: number; ts: number }[] {
  return driver
    .createOutputTopic('out', WindowedSerdes.timeWindowed(S, size), L)
    .readRecordsToList()
    .map((r) => ({ key: fmt(r.key as Windowed<string>), value: r.value as number, ts: r.timestamp }))
}

for (const storeType of ['in-memory', 'persistent'] as const) {
  test(`onWindowClose: a tumbling count emits each window once, when stream time passes end + grace (${storeType})`, (t) => {
    const b = builder(storeType)
    b.stream<string, string>('in')
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
      .emitStrategy(EmitStrategy.onWindowClose())
      .count({ storeName: 'counts' })
      .toStream()
      .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
    const driver = new TopologyTestDriver(b.build())
    const input = driver.createInputTopic('in', S, S)
    input.pipeInput('b', 'x', 1)
    input.pipeInput('a', 'x', 3)
    input.pipeInput('a', 'x', 8)
    input.pipeInput('a', 'x', 14)
    // Close time is 14 - 5 = 9: window [0,10) is still open, nothing is emitted.
    t.deepEqual(readWindowed(driver, 10), [])
    // The store holds the running counts meanwhile.
    t.is(driver.getWindowStore<string, number>('counts').fetch('a', 0), 2)
    input.pipeInput('b', 'x', 2) // late within grace: counted, still not emitted
    input.pipeInput('c', 'x', 15) // close time 10: [0,10) closes, by key bytes, stamped with its latest record
    t.deepEqual(readWindowed(driver, 10), [
      { key: 'a@0-10', value: 2, ts: 8 },
      { key: 'b@0-10', value: 2, ts: 2 },
    ])
    input.pipeInput('a', 'x', 3) // too late: dropped, and nothing emitted again
    input.pipeInput('a', 'x', 16)
    t.deepEqual(readWindowed(driver, 10), [])
    input.pipeInput('z', 'x', 25) // close 20: [10,20) closes
    t.deepEqual(readWindowed(driver, 10), [
      { key: 'a@10-20', value: 2, ts: 16 },
      { key: 'c@10-20', value: 1, ts: 15 },
    ])
    // A jump past the store's retention (size + grace) expires [20,30) before it is emitted, as in
    // Kafka: the store's time moves with the write that precedes the emit.
    input.pipeInput('z', 'x', 60)
    t.deepEqual(readWindowed(driver, 10), [])
    t.is(driver.droppedRecords().length, 1)
    driver.close()
  })
}

test('onWindowClose: hopping windows emit each closed window once, in start order', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 2).advanceBy(5))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 7) // windows [0,10) and [5,15)
  input.pipeInput('a', 'x', 11) // [5,15) and [10,20); close time 9
  t.deepEqual(readWindowed(driver, 10), [])
  input.pipeInput('a', 'x', 12) // close time 10 closes [0,10)
  t.deepEqual(readWindowed(driver, 10), [{ key: 'a@0-10', value: 1, ts: 7 }])
  input.pipeInput('a', 'x', 14) // close time 12: no window starts in [1, 2]
  t.deepEqual(readWindowed(driver, 10), [])
  input.pipeInput('b', 'x', 17) // close time 15 closes [5,15)
  t.deepEqual(readWindowed(driver, 10), [{ key: 'a@5-15', value: 4, ts: 14 }])
  driver.close()
})

test('onWindowClose: a session emits once, after its end + gap + grace, with no tombstones for merges', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
    .emitStrategy(EmitStrategy.onWindowClose())
    // With the default retention (gap + grace), the store would expire a session as it closes.
    .count({ retentionMs: 100 })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  const read = (): { key: string; value: number | null; ts: number }[] =>
    driver
      .createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L)
      .readRecordsToList()
      .map((r) => ({ key: fmt(r.key as Windowed<string>), value: r.value, ts: r.timestamp }))
  input.pipeInput('a', 'x', 10)
  input.pipeInput('a', 'x', 14) // merges into [10,14]
  input.pipeInput('b', 'x', 12)
  t.deepEqual(read(), [])
  input.pipeInput('b', 'x', 21) // close time 21 - 7 = 14: sessions ending before 14 close
  t.deepEqual(read(), [{ key: 'b@12-12', value: 1, ts: 12 }])
  input.pipeInput('c', 'x', 22) // close time 15: [10,14] closes
  t.deepEqual(read(), [{ key: 'a@10-14', value: 2, ts: 14 }])
  input.pipeInput('c', 'x', 40)
  t.deepEqual(read(), [
    { key: 'b@21-21', value: 1, ts: 21 },
    { key: 'c@22-22', value: 1, ts: 22 },
  ])
  driver.close()
})

test('onWindowClose: sliding windows emit a window once its end is below the close time', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 0))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 20) // [10,20]
  input.pipeInput('a', 'x', 20) // still [10,20]: its end is not below the close time
  t.deepEqual(readWindowed(driver, 10), [])
  input.pipeInput('a', 'x', 25) // [15,25] and [21,31] made; close time 25 closes [10,20]
  t.deepEqual(readWindowed(driver, 10), [{ key: 'a@10-20', value: 2, ts: 20 }])
  input.pipeInput('a', 'x', 31) // close time 31 closes [15,25]
  t.deepEqual(readWindowed(driver, 10), [{ key: 'a@15-25', value: 3, ts: 25 }])
  driver.close()
})

test('onWindowUpdate is the default: every update is emitted', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .emitStrategy(EmitStrategy.onWindowUpdate())
    .count()
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never, valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('a', 'x', 2)
  t.deepEqual(readWindowed(driver, 10), [
    { key: 'a@0-10', value: 1, ts: 1 },
    { key: 'a@0-10', value: 2, ts: 2 },
  ])
  driver.close()
})
