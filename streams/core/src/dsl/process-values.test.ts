import test from 'ava'
import { Serdes } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import {
  FixedKeyRecord,
  type FixedKeyProcessorContext,
  type ValueTransformerContext,
} from '../processor/api.ts'
import type { KeyValueStore } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { StreamsBuilder } from './streams-builder.ts'

const S = Serdes.String()
const L = Serdes.Long()

function builder(): StreamsBuilder {
  return new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
}

/** Numbers each key's values, keeping the count in the store 'seen'. */
function numbering() {
  let context: FixedKeyProcessorContext<string, string>
  let seen: KeyValueStore<string, number>
  return {
    init(c: FixedKeyProcessorContext<string, string>) {
      context = c
      seen = c.getStateStore<KeyValueStore<string, number>>('seen')
    },
    process(record: FixedKeyRecord<string, string | null>) {
      const n = (seen.get(record.key) ?? 0) + 1
      seen.put(record.key, n)
      context.forward(FixedKeyRecord.withValue(record, `${record.value}#${n}`))
    },
  }
}

test('processValues changes values with a store, and a grouping after it needs no repartition', (t) => {
  const b = builder()
  b.addStateStore(Stores.inMemoryKeyValueStore('seen', { keySerde: S, valueSerde: L }))
  const numbered = b.stream<string, string | null>('in').processValues(numbering, 'seen')
  numbered.to('out')
  numbered
    .groupByKey()
    .count()
    .toStream()
    .to('counts', { valueSerde: L as never })
  const topology = b.build()
  t.false(topology.describe().toString().includes('repartition'))
  const driver = new TopologyTestDriver(topology)
  const input = driver.createInputTopic('in', S, S)
  input.pipeInput('a', 'x', 1)
  input.pipeInput('b', 'y', 2)
  input.pipeInput('a', 'z', 3)
  t.deepEqual(driver.createOutputTopic('out', S, S).readKeyValuesToList(), [
    { key: 'a', value: 'x#1' },
    { key: 'b', value: 'y#1' },
    { key: 'a', value: 'z#2' },
  ])
  t.is(driver.getKeyValueStore<string, number>('seen').get('a'), 2)
  t.is(driver.createOutputTopic('counts', S, L).readKeyValuesToMap().get('a'), 2)
  driver.close()
})

test('processValues after a key change still repartitions before a grouping', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .selectKey((_k, v) => v)
    .processValues(() => {
      let c: FixedKeyProcessorContext<string, string>
      return {
        init: (context) => (c = context),
        process: (r) => c.forward(FixedKeyRecord.withValue(r, r.value.toUpperCase())),
      }
    })
    .groupByKey()
    .count()
  t.true(b.build().describe().toString().includes('repartition'))
})

test('processValues refuses a record forwarded with another key', (t) => {
  const b = builder()
  b.stream<string, string>('in')
    .processValues(() => {
      let c: FixedKeyProcessorContext<string, string>
      return {
        init: (context) => (c = context),
        process: (r) => c.forward({ ...r, key: 'other' } as FixedKeyRecord<string, string>),
      }
    })
    .to('out')
  const driver = new TopologyTestDriver(b.build())
  const error = t.throws(() => driver.createInputTopic('in', S, S).pipeInput('a', 'x', 1))
  const codes = [error, error?.cause].map((e) => (e instanceof StreamsError ? e.code : undefined))
  t.true(codes.includes(STREAMS_ERROR_CODES.PROCESSING), String(error))
  driver.close()
})

/** Appends the number of times the key was transformed, kept in the store 'calls'. */
function counting() {
  let calls: KeyValueStore<string, number>
  return {
    init(context: ValueTransformerContext) {
      calls = context.getStateStore<KeyValueStore<string, number>>('calls')
    },
    transform(key: string, value: string | null): string | null {
      const n = (calls.get(key) ?? 0) + 1
      calls.put(key, n)
      return value === null ? null : `${value}@${n}`
    },
  }
}

test('KTable.transformValues reaches its store and transforms deletes; unmaterialized, it transforms old values when they are sent', (t) => {
  const b = builder()
  b.addStateStore(Stores.inMemoryKeyValueStore('calls', { keySerde: S, valueSerde: L }))
  const table = b.table<string, string>('table').transformValues(counting, undefined, undefined, 'calls')
  table.toStream().to('out')
  // groupBy forces old values: the transformer runs on the old value as well (second call).
  table
    .groupBy((_k, v) => ({ key: v.slice(0, 1), value: v }), { keySerde: S, valueSerde: S })
    .count()
    .toStream()
    .to('counts', { valueSerde: L as never })
  const driver = new TopologyTestDriver(b.build())
  const input = driver.createInputTopic('table', S, S)
  input.pipeInput('k', 'a1', 1)
  input.pipeInput('k', 'b1', 2)
  input.pipeInput('k', null, 3)
  t.deepEqual(driver.createOutputTopic('out', S, S).readKeyValuesToList(), [
    { key: 'k', value: 'a1@1' },
    { key: 'k', value: 'b1@3' },
    { key: 'k', value: null },
  ])
  // Calls: a1 (new), null (old), b1 (new), a1 (old), null (new), b1 (old).
  t.is(driver.getKeyValueStore<string, number>('calls').get('k'), 6)
  t.deepEqual(
    driver.createOutputTopic('counts', S, L).readKeyValuesToMap(),
    new Map([
      ['a', 0],
      ['b', 0],
    ]),
  )
  driver.close()
})

test('KTable.transformValues materialized keeps results in its store, takes old values from it, and joins through it', (t) => {
  const b = builder()
  b.addStateStore(Stores.inMemoryKeyValueStore('calls', { keySerde: S, valueSerde: L }))
  const transformed = b
    .table<string, string>('table')
    .transformValues(counting, { storeName: 'transformed', valueSerde: S }, { name: 'tv' }, 'calls')
  transformed
    .groupBy((_k, v) => ({ key: v.slice(0, 1), value: v }), { keySerde: S, valueSerde: S })
    .count()
    .toStream()
    .to('counts', { valueSerde: L as never })
  b.stream<string, string>('in')
    .join(transformed, (v, tv) => `${v}+${tv}`)
    .to('joined')
  const driver = new TopologyTestDriver(b.build())
  const table = driver.createInputTopic('table', S, S)
  table.pipeInput('k', 'a1', 1)
  table.pipeInput('k', 'b1', 2)
  // Old values come from the store: the transformer ran once per update.
  t.is(driver.getKeyValueStore<string, number>('calls').get('k'), 2)
  t.is(driver.getKeyValueStore<string, string>('transformed').get('k'), 'b1@2')
  t.deepEqual(
    driver.createOutputTopic('counts', S, L).readKeyValuesToMap(),
    new Map([
      ['a', 0],
      ['b', 1],
    ]),
  )
  driver.createInputTopic('in', S, S).pipeInput('k', 'v', 3)
  t.deepEqual(driver.createOutputTopic('joined', S, S).readKeyValuesToList(), [{ key: 'k', value: 'v+b1@2' }])
  driver.close()
})

test('KTable.transformValues with serdes but no store name is not materialized, as in Kafka, and joins through its getter', (t) => {
  const b = builder()
  b.addStateStore(Stores.inMemoryKeyValueStore('calls', { keySerde: S, valueSerde: L }))
  const transformed = b
    .table<string, string>('table')
    .transformValues(counting, { valueSerde: S }, undefined, 'calls')
  t.is(transformed.queryableStoreName, undefined)
  b.stream<string, string>('in')
    .join(transformed, (v, tv) => `${v}+${tv}`)
    .to('joined')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('table', S, S).pipeInput('k', 'a1', 1)
  // The join reads through the parent's store and a transformer of the getter's own: a second call.
  driver.createInputTopic('in', S, S).pipeInput('k', 'v', 2)
  t.deepEqual(driver.createOutputTopic('joined', S, S).readKeyValuesToList(), [{ key: 'k', value: 'v+a1@2' }])
  driver.close()
})

test('processValues takes a name for its processor, before its stores', (t) => {
  const b = builder()
  b.addStateStore(Stores.inMemoryKeyValueStore('seen', { keySerde: S, valueSerde: L }))
  b.stream<string, string | null>('in').processValues(numbering, { name: 'numbering' }, 'seen').to('out')
  const description = b.build().describe().toString()
  t.regex(description, /Processor: numbering \(stores: \[seen\]\)/)
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('in', S, S).pipeInput('a', 'x', 1)
  t.deepEqual(driver.createOutputTopic('out', S, S).readKeyValuesToList(), [{ key: 'a', value: 'x#1' }])
  driver.close()
})
