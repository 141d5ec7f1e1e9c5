import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import type { KeyValueStore } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { Topology } from '../topology/topology.ts'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import type { Processor, ProcessorContext } from './api.ts'

const S = Serdes.String()
const L = Serdes.Long()

/** Counts pings per machine and reports the counts on punctuation. */
function countingProcessor(
  type: 'STREAM_TIME' | 'WALL_CLOCK_TIME',
): () => Processor<string, string, string, number> {
  return () => {
    let ctx: ProcessorContext<string, number>
    let store: KeyValueStore<string, number>
    return {
      init(context) {
        ctx = context
        store = context.getStateStore('ping-counts')
        context.schedule(10, type, (timestamp) => {
          for (const { key, value } of store.all())
            ctx.forward({ key, value, timestamp, headers: { 'x-punctuated': Buffer.from(type) } })
        })
      },
      process(record) {
        store.put(record.key, (store.get(record.key) ?? 0) + 1)
      },
    }
  }
}

function topology(type: 'STREAM_TIME' | 'WALL_CLOCK_TIME', persistent = false): Topology {
  const store = persistent
    ? Stores.persistentKeyValueStore('ping-counts', { keySerde: S, valueSerde: L })
    : Stores.inMemoryKeyValueStore('ping-counts', { keySerde: S, valueSerde: L })
  return new Topology()
    .addSource('pings', ['pings'], { keySerde: S as never, valueSerde: S as never })
    .addProcessor('count', countingProcessor(type), 'pings')
    .addStateStore(store, 'count')
    .addSink('out', 'counts', { keySerde: S as never, valueSerde: L as never }, 'count')
}

test('a stream-time punctuator fires as record time passes each interval, once per advance', (t) => {
  const driver = new TopologyTestDriver(topology('STREAM_TIME'))
  const input = driver.createInputTopic('pings', S, S)
  const output = driver.createOutputTopic('counts', S, L)
  input.pipeInput('m1', 'p', 0) // first punctuation as soon as stream time is known
  t.deepEqual(output.readKeyValuesToList(), [{ key: 'm1', value: 1 }])
  input.pipeInput('m1', 'p', 5)
  t.true(output.isEmpty())
  input.pipeInput('m2', 'p', 35) // jumps three intervals: fires once
  const fired = output.readRecordsToList()
  t.deepEqual(
    fired.map((r) => [r.key, r.value, r.timestamp]),
    [
      ['m1', 2, 35],
      ['m2', 1, 35],
    ],
  )
  t.is(fired[0]?.headers['x-punctuated']?.toString(), 'STREAM_TIME')
  driver.close()
})

test('a wall-clock punctuator fires as the mocked clock advances, not with records', (t) => {
  const driver = new TopologyTestDriver(topology('WALL_CLOCK_TIME'), { initialWallClockTimeMs: 1000 })
  const input = driver.createInputTopic('pings', S, S)
  const output = driver.createOutputTopic('counts', S, L)
  input.pipeInput('m1', 'p', 999_999)
  t.true(output.isEmpty())
  driver.advanceWallClockTime(9)
  t.true(output.isEmpty())
  driver.advanceWallClockTime(1)
  t.deepEqual(output.readKeyValuesToList(), [{ key: 'm1', value: 1 }])
  driver.close()
})

test('a persistent (LMDB) store holds state across records and is inspectable', (t) => {
  const driver = new TopologyTestDriver(topology('STREAM_TIME', true))
  const input = driver.createInputTopic('pings', S, S)
  for (let i = 0; i < 50; i++) input.pipeInput(`m${i % 5}`, 'p', i)
  const store = driver.getKeyValueStore<string, number>('ping-counts')
  t.true(store.persistent)
  t.is(store.get('m3'), 10)
  t.is([...store.all()].length, 5)
  driver.close()
})

test('a processor asking for a store not connected to it fails naming both', (t) => {
  const topo = new Topology()
    .addSource('src', ['in'], { keySerde: S as never, valueSerde: S as never })
    .addProcessor(
      'nosy',
      () => ({
        init(ctx: ProcessorContext) {
          ctx.getStateStore('elsewhere')
        },
        process() {},
      }),
      'src',
    )
    .addProcessor('owner', () => ({ process() {} }), 'src')
    .addStateStore(Stores.inMemoryKeyValueStore('elsewhere', { keySerde: S, valueSerde: S }), 'owner')
  const error = t.throws(() => new TopologyTestDriver(topo))
  t.regex(error.message, /processor nosy asks for store elsewhere, which is not connected to it/)
})

test('topology mistakes fail at build time naming the node', (t) => {
  const topo = new Topology().addSource('src', ['in'])
  t.throws(() => topo.addProcessor('p', () => ({ process() {} }), 'missing'), {
    message: /p names parent missing/,
  })
  t.throws(() => topo.addSource('src', ['other']), { message: /a node named src already exists/ })
  t.throws(() => topo.addSource('src2', ['in']), { message: /topic in is already read by source src/ })
  t.throws(() => topo.connectProcessorAndStateStores(['src', 'x']), { message: /no processor of that name/ })
})

test('the DSL process() runs a custom processor with a store it declared', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.addStateStore(Stores.inMemoryKeyValueStore('seen', { keySerde: S, valueSerde: L }))
  b.stream<string, string>('in')
    .process<string, string>(() => {
      let ctx: ProcessorContext<string, string>
      let seen: KeyValueStore<string, number>
      return {
        init(c) {
          ctx = c
          seen = c.getStateStore('seen')
        },
        process(r) {
          // Deduplicates: forwards only the first record of each key.
          if (seen.get(r.key) !== undefined) return
          seen.put(r.key, r.timestamp)
          ctx.forward(r)
        },
      }
    }, 'seen')
    .to('out')
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', '1', 1)
  input.pipeInput('a', '2', 2)
  input.pipeInput('b', '3', 3)
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['1', '3'])
  driver.close()
})
