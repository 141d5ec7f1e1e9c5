import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { SessionWindows, TimeWindows } from '../dsl/windows.ts'
import type { StreamsError } from '../errors.ts'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import { KafkaStreams } from '../runtime/kafka-streams.ts'
import { TopologyTestDriver } from '../testing/topology-test-driver.ts'
import { createStore } from './factory.ts'
import { readOnlyKeyValue, readOnlyView } from './read-only.ts'
import type { KeyValueStore } from './store.ts'
import { Stores } from './stores.ts'

const S = Serdes.String()
const L = Serdes.Long()

function kv(persistent: boolean, keySerde = S as never): KeyValueStore<unknown, string> {
  const spec = (persistent ? Stores.persistentKeyValueStore : Stores.inMemoryKeyValueStore)('s', {
    keySerde,
    valueSerde: S,
    logging: false,
  })
  return createStore(spec, '0_0', {
    stateDir: mkdtempSync(join(tmpdir(), 'read-only-')),
  }) as unknown as KeyValueStore<unknown, string>
}

for (const persistent of [false, true]) {
  const engine = persistent ? 'LMDB' : 'memory'

  test(`${engine}: Long keys iterate in serialized byte order, as Kafka's (negatives after positives)`, (t) => {
    const store = kv(persistent, L as never)
    for (const k of [5, -1, 0, 300, -300]) store.put(k, `v${k}`)
    // Big-endian two's complement: 0 < 5 < 300 < -300 < -1 in unsigned byte order.
    t.deepEqual(
      [...store.all()].map((e) => e.key),
      [0, 5, 300, -300, -1],
    )
    t.deepEqual(
      [...store.reverseAll()].map((e) => e.key),
      [-1, -300, 300, 5, 0],
    )
    t.deepEqual(
      [...store.range(5, -300)].map((e) => e.key),
      [5, 300, -300],
    )
    t.deepEqual(
      [...store.reverseRange(5, -300)].map((e) => e.key),
      [-300, 300, 5],
    )
    // From above to (in bytes) is an empty range, not an error, as in Kafka.
    t.deepEqual([...store.range(-1, 0)], [])
    t.deepEqual(
      [...store.range(undefined, 5)].map((e) => e.key),
      [0, 5],
    )
    store.close()
  })

  test(`${engine}: prefixScan compares bytes: a multi-byte UTF-8 key sorts after ASCII`, (t) => {
    const store = kv(persistent)
    for (const k of ['ab', 'a\u00e9', 'a', 'b', 'abc', 'az']) store.put(k, k)
    t.deepEqual(
      [...store.prefixScan('a', S)].map((e) => e.key),
      ['a', 'ab', 'abc', 'az', 'a\u00e9'],
    )
    t.deepEqual(
      [...store.prefixScan('ab', S)].map((e) => e.key),
      ['ab', 'abc'],
    )
    t.deepEqual([...store.prefixScan('c', S)], [])
    store.close()
  })

  test(`${engine}: a read-only view reads through and has nothing that writes`, (t) => {
    const store = kv(persistent)
    store.put('k', 'v')
    const view = readOnlyView(store as never) as unknown as Record<string, unknown>
    t.is((view['get'] as (k: string) => string)('k'), 'v')
    for (const write of ['put', 'putWithTimestamp', 'putIfAbsent', 'delete', 'flush', 'close', 'restore']) {
      t.is(view[write], undefined, write)
    }
    t.throws(() => {
      view['put'] = () => undefined
    })
    store.close()
  })
}

test('LMDB refuses a key that serializes to no bytes, with a typed error at the write', (t) => {
  const store = kv(true)
  const error = t.throws(() => store.put('', 'empty'))
  t.is((error as StreamsError).code, STREAMS_ERROR_CODES.STATE)
  store.close()
})

test('a composite view looks a key up in every instance and iterates each in turn', (t) => {
  const one = kv(false)
  const two = kv(false)
  one.put('b', '1')
  two.put('a', '2')
  const view = readOnlyKeyValue('s', [one, two])
  t.is(view.get('a'), '2')
  t.is(view.get('b'), '1')
  t.is(view.approximateNumEntries(), 2)
  t.deepEqual(
    [...view.all()].map((e) => e.key),
    ['b', 'a'],
  )
})

test('KafkaStreams.store gives read-only views of every kind, and names a wrong kind or store', async (t) => {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'in', partitions: 2, config: {} })
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const grouped = b.stream<string, string>('in').groupByKey()
  grouped.count({ storeName: 'counts' })
  grouped.windowedBy(TimeWindows.ofSizeAndGrace(10, 0)).count({ storeName: 'windows' })
  grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 0)).count({ storeName: 'sessions' })
  const streams = new KafkaStreams(b.build(), {
    applicationId: 'queries',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'read-only-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
  })
  await streams.start()
  backend.broker.append(
    ['a', 'b', 'a', 'c'].map((k, i) => ({
      topic: 'in',
      key: Buffer.from(k),
      value: Buffer.from('x'),
      timestamp: i + 1,
      headers: {},
    })),
  )
  const counts = streams.store<string, number>('counts', 'keyValue')
  const deadline = Date.now() + 5000
  while (counts.get('c') === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  t.is(counts.get('a'), 2)
  t.is(counts.approximateNumEntries(), 3)
  t.is((counts as unknown as { put?: unknown }).put, undefined)
  t.is(streams.store<string, number>('windows', 'window').fetch('a', 0), 2)
  t.deepEqual(
    streams
      .store<string, number>('sessions', 'session')
      .findSessions('a', 0, 100)
      .map((s) => s.value),
    [2],
  )
  t.is(streams.localStores('counts').length, 2)
  t.is((streams.localStores('counts')[0] as unknown as { put?: unknown }).put, undefined)
  t.throws(() => streams.store('counts', 'window'), { message: /keyValue store, not a window store/ })
  t.throws(() => streams.store('nope', 'keyValue'), { message: /no store named nope/ })
  await streams.close()
})

test('a processor reads a global store but cannot write it, as in Kafka', (t) => {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const global = b.globalTable<string, string>('products', {}, { storeName: 'products' })
  t.is(global.storeName, 'products')
  b.stream<string, string>('in')
    .process(() => {
      let store: KeyValueStore<string, string>
      let forward: (value: string) => void
      return {
        init(context) {
          store = context.getStateStore<KeyValueStore<string, string>>('products')
          forward = (value) => context.forward({ key: 'k', value, timestamp: 0, headers: {} })
        },
        process(record) {
          forward(store.get(record.key) ?? 'none')
          try {
            store.put(record.key, 'written')
          } catch (error) {
            forward((error as StreamsError).code)
          }
        },
      }
    })
    .to('out')
  const driver = new TopologyTestDriver(b.build())
  driver.createInputTopic('products', S, S).pipeInput('p1', 'wheat', 1)
  driver.createInputTopic('in', S, S).pipeInput('p1', 'x', 2)
  t.deepEqual(
    driver
      .createOutputTopic('out', S, S)
      .readKeyValuesToList()
      .map((kv) => kv.value),
    ['wheat', STREAMS_ERROR_CODES.STATE],
  )
  t.is(driver.getKeyValueStore<string, string>('products').get('p1'), 'wheat')
  driver.close()
})
