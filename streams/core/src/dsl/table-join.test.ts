import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import type { KTable } from './ktable.ts'
import { StreamsBuilder } from './streams-builder.ts'

const S = Serdes.String()
type Row = readonly ['l' | 'r', string, string | null, number]

function run(
  build: (left: KTable<string, string>, right: KTable<string, string>) => KTable<string, string>,
  rows: readonly Row[],
): { lines: string[]; store: (key: string) => string | undefined } {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  build(b.table<string, string>('left'), b.table<string, string>('right')).toStream().to('out')
  const driver = new TopologyTestDriver(b.build())
  const l = driver.createInputTopic('left', S, S)
  const r = driver.createInputTopic('right', S, S)
  const out = driver.createOutputTopic('out', S, S)
  const lines: string[] = []
  rows.forEach(([side, key, value, ts], i) => {
    ;(side === 'l' ? l : r).pipeInput(key, value, ts)
    for (const rec of out.readRecordsToList()) lines.push(`${i}: ${rec.key}=${rec.value}@${rec.timestamp}`)
  })
  const store = (key: string): string | undefined => {
    try {
      return driver.getKeyValueStore<string, string>('joined').get(key)
    } finally {
      driver.close()
    }
  }
  return { lines, store }
}

const joiner = (v: string | null, o: string | null): string => `${v}+${o}`

test('an inner table join updates on either side, stamped with the later time; a delete sends a tombstone', (t) => {
  const { lines, store } = run(
    (l, r) => l.join(r, joiner, { storeName: 'joined', valueSerde: S }),
    [
      ['l', 'a', 'a1', 5],
      ['r', 'a', 'x1', 3],
      ['l', 'a', 'a2', 1],
      ['r', 'b', 'y1', 9],
      ['r', 'a', null, 4],
      ['r', 'a', 'x2', 2],
    ],
  )
  t.deepEqual(lines, ['1: a=a1+x1@5', '2: a=a2+x1@3', '4: a=null@4', '5: a=a2+x2@2'])
  t.is(store('a'), 'a2+x2')
})

test('a left table join keeps left values without a partner and retracts deleted ones', (t) => {
  const { lines } = run(
    (l, r) => l.leftJoin(r, joiner),
    [
      ['l', 'a', 'a1', 1],
      ['r', 'a', 'x1', 2],
      ['r', 'a', null, 3],
      // A right value for a key the left table lacks: nothing.
      ['r', 'b', 'y1', 4],
      ['l', 'a', null, 5],
      // Deleting a left key that is not there: nothing either.
      ['l', 'c', null, 6],
    ],
  )
  t.deepEqual(lines, ['0: a=a1+null@1', '1: a=a1+x1@2', '2: a=a1+null@3', '4: a=null@5'])
})

test('an outer table join emits for either side alone', (t) => {
  const { lines } = run(
    (l, r) => l.outerJoin(r, joiner),
    [
      ['r', 'a', 'x1', 1],
      ['l', 'a', 'a1', 2],
      ['l', 'a', null, 3],
      ['r', 'a', null, 4],
    ],
  )
  t.deepEqual(lines, ['0: a=null+x1@1', '1: a=a1+x1@2', '2: a=null+x1@3', '3: a=null@4'])
})

test('an unmaterialized join result is read through both tables, as a stream joined with it shows', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const joined = b.table<string, string>('left').leftJoin(b.table<string, string>('right'), joiner)
  b.stream<string, string>('in')
    .join(joined, (v, x) => `${v}*${x}`)
    .to('out')
  const driver = new TopologyTestDriver(b.build())
  const l = driver.createInputTopic('left', S, S)
  const r = driver.createInputTopic('right', S, S)
  const i = driver.createInputTopic('in', S, S)
  i.pipeInput('a', 's0', 1)
  l.pipeInput('a', 'a1', 2)
  i.pipeInput('a', 's1', 3)
  r.pipeInput('a', 'x1', 4)
  i.pipeInput('a', 's2', 5)
  r.pipeInput('b', 'y1', 6)
  i.pipeInput('b', 's3', 7)
  t.deepEqual(
    driver
      .createOutputTopic('out', S, S)
      .readRecordsToList()
      .map((rec) => `${rec.key}=${rec.value}`),
    ['a=s1*a1+null', 'a=s2*a1+x1'],
  )
  driver.close()
})
