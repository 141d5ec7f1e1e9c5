import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { StreamsBuilder } from './streams-builder.ts'

const S = Serdes.String()
const L = Serdes.Long()

function driverFor(build: (b: StreamsBuilder) => void): TopologyTestDriver {
  const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  build(builder)
  return new TopologyTestDriver(builder.build())
}

test('filter, filterNot, mapValues and map transform records and keep timestamps', (t) => {
  const driver = driverFor((b) => {
    const s = b.stream<string, string>('in', { keySerde: S, valueSerde: S })
    s.filter((_k, v) => v.length > 2)
      .mapValues((v) => v.toUpperCase())
      .to('long')
    s.filterNot((_k, v) => v.length > 2)
      .map((k, v) => ({ key: v, value: k }))
      .to('short')
  })
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'hay', 10)
  input.pipeInput('b', 'ox', 20)
  input.pipeInput('c', 'barley', 30)
  const long = driver.createOutputTopic('long', S, S).readRecordsToList()
  t.deepEqual(
    long.map((r) => [r.key, r.value, r.timestamp]),
    [
      ['a', 'HAY', 10],
      ['c', 'BARLEY', 30],
    ],
  )
  t.deepEqual(driver.createOutputTopic('short', S, S).readKeyValuesToList(), [{ key: 'ox', value: 'b' }])
  driver.close()
})

test('flatMap, flatMapValues, selectKey, peek and foreach', (t) => {
  const seen: string[] = []
  const peeked: string[] = []
  const driver = driverFor((b) => {
    const s = b.stream<string, string>('in')
    s.flatMapValues((v) => v.split(' '))
      .peek((k, v) => peeked.push(`${k}:${v}`))
      .to('words')
    s.flatMap((k, v) => v.split(' ').map((w, i) => ({ key: `${k}${i}`, value: w }))).to('keyed')
    s.selectKey((_k, v) => v.slice(0, 1)).to('first')
    s.foreach((k, v) => seen.push(`${k}=${v}`))
  })
  driver.createInputTopic('in', S, S).pipeInput('k', 'wheat oats', 5)
  t.deepEqual(driver.createOutputTopic('words', S, S).readValuesToList(), ['wheat', 'oats'])
  t.deepEqual(driver.createOutputTopic('keyed', S, S).readKeyValuesToList(), [
    { key: 'k0', value: 'wheat' },
    { key: 'k1', value: 'oats' },
  ])
  t.deepEqual(driver.createOutputTopic('first', S, S).readKeyValuesToList(), [
    { key: 'w', value: 'wheat oats' },
  ])
  t.deepEqual(peeked, ['k:wheat', 'k:oats'])
  t.deepEqual(seen, ['k=wheat oats'])
  driver.close()
})

test('split sends each record to the first matching branch, others to the default branch', (t) => {
  const driver = driverFor((b) => {
    const branches = b
      .stream<string, string>('in')
      .split({ name: 'by-kind-' })
      .branch((_k, v) => v.startsWith('order'), 'orders')
      .branch((_k, v) => v.startsWith('pay'), 'payments')
      .defaultBranch('other')
    branches.get('by-kind--orders')?.to('orders')
    branches.get('by-kind--payments')?.to('payments')
    branches.get('by-kind--other')?.to('other')
  })
  const input = driver.createInputTopic('in', S, S)
  for (const v of ['order-1', 'payment-1', 'ping', 'order-2']) input.pipeInput('k', v, 1)
  t.deepEqual(driver.createOutputTopic('orders', S, S).readValuesToList(), ['order-1', 'order-2'])
  t.deepEqual(driver.createOutputTopic('payments', S, S).readValuesToList(), ['payment-1'])
  t.deepEqual(driver.createOutputTopic('other', S, S).readValuesToList(), ['ping'])
  driver.close()
})

test('merge joins two streams into one', (t) => {
  const driver = driverFor((b) => {
    b.stream<string, string>('a').merge(b.stream<string, string>('b')).to('out')
  })
  driver.createInputTopic('a', S, S).pipeInput('1', 'x', 1)
  driver.createInputTopic('b', S, S).pipeInput('2', 'y', 2)
  driver.createInputTopic('a', S, S).pipeInput('3', 'z', 3)
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['x', 'y', 'z'])
  driver.close()
})

test('to with a topic extractor routes per record; headers travel with the record', (t) => {
  const driver = driverFor((b) => {
    b.stream<string, string>('in').to((_k, v) => `out-${v}`)
  })
  driver.createInputTopic('in', S, S).pipeInput('k', 'a', 1, { trace: Buffer.from('t-1') })
  driver.createInputTopic('in', S, S).pipeInput('k', 'b', 2)
  const a = driver.createOutputTopic('out-a', S, S).readRecord()
  t.is(a.value, 'a')
  t.is(a.headers.trace?.toString(), 't-1')
  t.is(driver.createOutputTopic('out-b', S, S).readValue(), 'b')
  driver.close()
})

test('repartition goes through an internal topic and keeps the records', (t) => {
  const driver = driverFor((b) => {
    b.stream<string, string>('in')
      .selectKey((_k, v) => v)
      .repartition({ name: 'by-value' })
      .to('out')
  })
  driver.createInputTopic('in', S, S).pipeInput('k', 'v', 7)
  t.deepEqual(driver.createOutputTopic('out', S, S).readKeyValuesToList(), [{ key: 'v', value: 'v' }])
  t.true(driver.producedTopicNames().has('test-driver-by-value-repartition'))
  driver.close()
})

test('a stream to a table keeps the latest value per key; a tombstone deletes', (t) => {
  const driver = driverFor((b) => {
    b.stream<string, string>('in').toTable({ storeName: 'latest' }).toStream().to('out')
  })
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('m1', 'a', 1)
  input.pipeInput('m1', 'b', 2)
  input.pipeInput('m2', 'c', 3)
  input.pipeInput('m1', null, 4)
  const store = driver.getKeyValueStore<string, string>('latest')
  t.is(store.get('m1'), undefined)
  t.is(store.get('m2'), 'c')
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['a', 'b', 'c', null])
  t.true(driver.producedTopicNames().has('test-driver-latest-changelog'))
  driver.close()
})

test('a missing serde fails when the driver starts, naming the node', (t) => {
  const builder = new StreamsBuilder()
  builder
    .stream<string, string>('in', { keySerde: S, valueSerde: S })
    .mapValues((v) => v.length)
    .to('out', { name: 'lengths' })
  const error = t.throws(() => new TopologyTestDriver(builder.build()))
  t.regex(error.message, /sink lengths \(topic: out\) has no value serde/)
  t.is((error as { code?: string }).code, 'OXA_STREAMS_MISSING_SERDE')
})

test('describe() lists sub-topologies, sources, processors, sinks and stores', (t) => {
  const builder = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  builder
    .stream<string, string>('pings')
    .filter(() => true)
    .groupBy((_k, v) => v)
    .count({ storeName: 'counts' })
    .toStream()
    .to('counts-out', { valueSerde: L as never })
  const text = builder.build().describe().toString()
  t.regex(text, /Sub-topology: 0\n {4}Source: KSTREAM-SOURCE-0000000000 \(topics: \[pings\]\)/)
  t.regex(text, /Sub-topology: 1/)
  t.regex(text, /Processor: KSTREAM-AGGREGATE-\d{10} \(stores: \[counts\]\)/)
  t.regex(text, /Sink: KSTREAM-SINK-\d{10} \(topic: counts-out\)/)
  t.regex(text, /<app>-counts-repartition \(repartition\)/)
  t.regex(text, /<app>-counts-changelog \(changelog\)/)
})
