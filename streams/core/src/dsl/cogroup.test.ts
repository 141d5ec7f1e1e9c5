import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import type { Windowed } from '../record.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { WindowedSerdes } from '../windowed-serdes.ts'
import { StreamsBuilder } from './streams-builder.ts'
import { TimeWindows } from './windows.ts'

const S = Serdes.String()
const L = Serdes.Long()

test('cogroup folds several grouped streams into one aggregate per key, each with its aggregator', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const clicks = b.stream<string, string>('clicks').groupByKey()
  const views = b.stream<string, string>('views').groupByKey()
  clicks
    .cogroup<number>((_k, _v, n) => n + 10)
    .cogroup(views, (_k, _v, n) => n + 1)
    .aggregate(() => 0, { storeName: 'scores', valueSerde: L as never })
    .toStream()
    .to('out', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const c = driver.createInputTopic('clicks', S, S)
  const v = driver.createInputTopic('views', S, S)
  v.pipeInput('u1', 'v', 5)
  c.pipeInput('u1', 'c', 3)
  c.pipeInput('u2', 'c', 4)
  // A null value is dropped, as KStreamAggregate drops it.
  v.pipeInput('u1', null, 9)
  t.deepEqual(
    driver
      .createOutputTopic('out', S, L)
      .readRecordsToList()
      .map((r) => `${r.key}=${r.value}@${r.timestamp}`),
    ['u1=1@5', 'u1=11@5', 'u2=10@4'],
  )
  t.is(driver.getKeyValueStore<string, number>('scores').get('u1'), 11)
  driver.close()
})

test('a windowed cogroup shares one store: a window another stream expired starts again, as in Kafka', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('a')
    .groupByKey()
    .cogroup<string>((_k, v, agg) => agg + v)
    .cogroup(b.stream<string, string>('b').groupByKey(), (_k, v, agg) => `${agg}|${v}`)
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .aggregate(() => '', { valueSerde: S })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10) as never })
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('a', S, S).pipeInput('k', 'x', 1)
  driver.createInputTopic('b', S, S).pipeInput('k', 'y', 12)
  driver.createInputTopic('a', S, S).pipeInput('k', 'z', 8)
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), S)
  t.deepEqual(
    out.readKeyValuesToList().map((kv) => `${(kv.key as Windowed<string>).window.start}:${kv.value}`),
    // z is not too late for its own processor (stream time 8), but b's record at 12 moved the store's
    // time: window 0 is past the retention (size + grace = 10), so z starts it afresh (and is not kept).
    ['0:x', '10:|y', '0:z'],
  )
  driver.close()
})
