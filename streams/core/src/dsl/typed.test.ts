import test from 'ava'
import { Serdes, topicDescriptor, withValueSerde } from '@oxagry/kafka'
import type { ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { KeyValueStore } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { StreamsBuilder } from './streams-builder.ts'

const S = Serdes.String()

type Reading =
  | { readonly kind: 'temperature'; readonly celsius: number }
  | { readonly kind: 'humidity'; readonly percent: number }
  | { readonly kind: 'unknown'; readonly raw: string }

const readings = topicDescriptor('sensors.readings.v1', S, Serdes.Json<Reading>())
const temperatures = topicDescriptor('sensors.temperatures.v1', S, Serdes.Long())
const humidity = topicDescriptor('sensors.humidity.v1', S, Serdes.Json<{ percent: number }>())
const other = topicDescriptor('sensors.other.v1', S, Serdes.Json<Reading>())
const totals = topicDescriptor('sensors.totals.v1', S, Serdes.Long())

test('stream(descriptor) and to(descriptor) read and write with the descriptor serdes', (t) => {
  const builder = new StreamsBuilder()
  builder
    .stream(readings)
    .filter((_k, v): v is Extract<Reading, { kind: 'temperature' }> => v.kind === 'temperature')
    .mapValues((v) => v.celsius)
    .to(temperatures)
  const driver = new TopologyTestDriver(builder.build())
  const input = driver.createInputTopic(readings)
  input.pipeInput('s-1', { kind: 'temperature', celsius: 21 }, 10)
  input.pipeInput('s-1', { kind: 'humidity', percent: 40 }, 20)
  input.pipeInput('s-2', { kind: 'temperature', celsius: -3 }, 30)
  t.deepEqual(driver.createOutputTopic(temperatures).readKeyValuesToList(), [
    { key: 's-1', value: 21 },
    { key: 's-2', value: -3 },
  ])
  driver.close()
})

test('a descriptor with another value serde reads the same topic another way', (t) => {
  const builder = new StreamsBuilder()
  builder
    .stream(withValueSerde(readings, Serdes.String()))
    .mapValues((json) => json.length)
    .to(totals)
  const driver = new TopologyTestDriver(builder.build())
  driver.createInputTopic(readings).pipeInput('s-1', { kind: 'unknown', raw: 'x' })
  t.deepEqual(driver.createOutputTopic(totals).readValuesToList(), [
    JSON.stringify({ kind: 'unknown', raw: 'x' }).length,
  ])
  driver.close()
})

test('split with type guards routes each record to the first branch it matches, typed per branch', (t) => {
  const builder = new StreamsBuilder()
  const branches = builder
    .stream(readings)
    .split({ name: 'by-kind' })
    .branch((_k, v): v is Extract<Reading, { kind: 'temperature' }> => v.kind === 'temperature', 'temp')
    .branch((_k, v): v is Extract<Reading, { kind: 'humidity' }> => v.kind === 'humidity', 'hum')
    .defaultBranch('rest')
  branches
    .get('by-kind-temp')
    .mapValues((v) => v.celsius)
    .to(temperatures)
  branches
    .get('by-kind-hum')
    .mapValues((v) => ({ percent: v.percent }))
    .to(humidity)
  // After two guards, only the unknown readings are left for the default branch.
  branches
    .get('by-kind-rest')
    .filter((_k, v) => v.raw !== '')
    .to(other)
  t.deepEqual([...branches.keys()], ['by-kind-temp', 'by-kind-hum', 'by-kind-rest'])

  const driver = new TopologyTestDriver(builder.build())
  const input = driver.createInputTopic(readings)
  input.pipeInput('a', { kind: 'humidity', percent: 55 })
  input.pipeInput('b', { kind: 'temperature', celsius: 8 })
  input.pipeInput('c', { kind: 'unknown', raw: '?' })
  input.pipeInput('d', { kind: 'unknown', raw: '' })
  t.deepEqual(driver.createOutputTopic(temperatures).readKeyValuesToList(), [{ key: 'b', value: 8 }])
  t.deepEqual(driver.createOutputTopic(humidity).readKeyValuesToList(), [
    { key: 'a', value: { percent: 55 } },
  ])
  t.deepEqual(driver.createOutputTopic(other).readKeyValuesToList(), [
    { key: 'c', value: { kind: 'unknown', raw: '?' } },
  ])
  driver.close()
})

test('untyped branches keep working: predicates, generated names, noDefaultBranch', (t) => {
  const builder = new StreamsBuilder()
  const branches = builder
    .stream<string, string>('in', { keySerde: S, valueSerde: S })
    .split()
    .branch((_k, v) => v.startsWith('a'))
    .noDefaultBranch()
  const [name] = [...branches.keys()]
  t.regex(name ?? '', /^KSTREAM-BRANCH-\d+-1$/)
  branches.get(name ?? '')?.to('out', { keySerde: S, valueSerde: S })
  const driver = new TopologyTestDriver(builder.build())
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('k', 'apple')
  input.pipeInput('k', 'barley')
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['apple'])
  driver.close()
})

test('a typed store spec connects a processor and gets the store by it', (t) => {
  const counts = Stores.inMemoryKeyValueStore('reading-counts', { keySerde: S, valueSerde: Serdes.Long() })
  const counter: ProcessorSupplier<string, Reading, string, number> = () => {
    let context: ProcessorContext<string, number>
    let store: KeyValueStore<string, number>
    return {
      init(c) {
        context = c
        store = c.getStateStore(counts)
      },
      process(record) {
        const next = (store.get(record.key) ?? 0) + 1
        store.put(record.key, next)
        context.forward({ ...record, value: next })
      },
    }
  }
  const builder = new StreamsBuilder()
  builder.addStateStore(counts)
  builder.stream(readings).process(counter, counts).to(totals)
  const driver = new TopologyTestDriver(builder.build())
  const input = driver.createInputTopic(readings)
  input.pipeInput('s-1', { kind: 'humidity', percent: 1 })
  input.pipeInput('s-1', { kind: 'humidity', percent: 2 })
  input.pipeInput('s-2', { kind: 'humidity', percent: 3 })
  t.deepEqual(driver.createOutputTopic(totals).readValuesToList(), [1, 2, 1])
  t.is(driver.getKeyValueStore<string, number>(counts.name).get('s-1'), 2)
  driver.close()
})

test('a descriptor without a name or serde is refused when it is made', (t) => {
  t.throws(() => topicDescriptor('', S, S), { message: /non-empty/ })
  t.throws(() => topicDescriptor('t', S, undefined as never), { message: /valueSerde must be a Serde/ })
})
