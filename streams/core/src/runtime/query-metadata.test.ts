import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, partitionForKey, Serdes } from '@oxagry/kafka'
import { eventually } from '@oxagry/testkit'
import { STREAMS_ERROR_CODES, type StreamsError } from '../errors.ts'
import { countTopology } from './integration-fixtures.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { StreamsState } from './streams-state.ts'

const S = Serdes.String()
const PARTITIONS = 4

function instance(backend: MemoryBackend, applicationServer?: string): KafkaStreams {
  return new KafkaStreams(countTopology('in', 'out'), {
    applicationId: 'iq-meta',
    backend,
    logger: pino({ level: 'silent' }),
    stateDir: mkdtempSync(join(tmpdir(), 'iq-meta-')),
    commitIntervalMs: 50,
    pollIntervalMs: 10,
    instanceHeartbeatMs: 200,
    ...(applicationServer === undefined ? {} : { applicationServer }),
  })
}

function broker(): MemoryBackend {
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: 'in', partitions: PARTITIONS, config: {} })
  backend.broker.createTopic({ name: 'out', partitions: 1, config: {} })
  return backend
}

function append(backend: MemoryBackend, keys: string[]): void {
  backend.broker.append(
    keys.map((k, i) => ({
      topic: 'in',
      key: Buffer.from(k),
      value: Buffer.from('x'),
      timestamp: i,
      headers: {},
    })),
  )
}

test('applicationServer is validated once: host:port with a port in 1-65535', (t) => {
  const backend = broker()
  for (const bad of ['nohost', 'h:0', 'h:70000', 'h:abc', ':80', 'a b:80', 'h:-1']) {
    const error = t.throws<StreamsError>(() => instance(backend, bad), { message: /applicationServer/ })
    t.is(error?.code, STREAMS_ERROR_CODES.INVALID_CONFIG, bad)
  }
  t.deepEqual(instance(backend, '[::1]:8080').hostInfo, { host: '[::1]', port: 8080 })
  t.deepEqual(instance(backend, 'streams-0.tracking.svc:7070').hostInfo, {
    host: 'streams-0.tracking.svc',
    port: 7070,
  })
  t.is(instance(backend).hostInfo, undefined)
})

test('without applicationServer the metadata calls say what is missing', async (t) => {
  const streams = instance(broker())
  await t.throwsAsync(streams.queryMetadataForKey('counts', 'a', S), {
    code: STREAMS_ERROR_CODES.INVALID_CONFIG,
    message: /applicationServer/,
  } as never)
  t.throws(() => streams.metadataForAllStreamsClients(), { message: /applicationServer/ })
})

test('two instances on one broker: every key is owned by the instance running its partition, murmur2 as the producer', async (t) => {
  const backend = broker()
  const a = instance(backend, '127.0.0.1:7001')
  const b = instance(backend, '127.0.0.1:7002')
  t.teardown(async () => {
    await a.close()
    await b.close()
  })
  await a.start()
  await b.start()
  const keys = Array.from({ length: 24 }, (_, i) => `m${i}`)
  append(backend, keys)
  await eventually(
    async () =>
      a.state === StreamsState.RUNNING &&
      b.state === StreamsState.RUNNING &&
      a.taskIds.length > 0 &&
      b.taskIds.length > 0 &&
      a.metadataForAllStreamsClients().length === 2 &&
      b.metadataForAllStreamsClients().length === 2
        ? true
        : undefined,
    { timeoutMs: 10_000, what: 'both instances running and known to each other' },
  )
  const owners = new Set<number>()
  for (const key of keys) {
    const expected = partitionForKey(Buffer.from(key), PARTITIONS)
    const owner = a.taskIds.includes(`0_${expected}`) ? 7001 : 7002
    owners.add(owner)
    for (const asked of [a, b]) {
      const metadata = await asked.queryMetadataForKey('counts', key, S)
      t.is(metadata.partition, expected, key)
      t.deepEqual(metadata.activeHost, { host: '127.0.0.1', port: owner }, key)
      t.deepEqual(metadata.standbyHosts, [])
    }
  }
  t.deepEqual([...owners].sort(), [7001, 7002])
  const all = a.metadataForAllStreamsClients()
  t.deepEqual(
    all.map((m) => m.hostInfo.port),
    [7001, 7002],
  )
  t.deepEqual(all.flatMap((m) => m.topicPartitions.map((p) => p.partition)).sort(), [0, 1, 2, 3])
  t.true(all.every((m) => m.stateStoreNames.includes('counts')))
  t.is(b.streamsMetadataForStore('counts').length, 2)
  t.throws(() => a.streamsMetadataForStore('nope'), { message: /no store named nope/ })
  await t.throwsAsync(a.queryMetadataForKey('nope', 'x', S), { message: /no store named nope/ })
  const failing = {
    serialize: (): Buffer => {
      throw new Error('boom')
    },
  }
  await t.throwsAsync(a.queryMetadataForKey('counts', 'x', failing), {
    code: STREAMS_ERROR_CODES.INVALID_KEY,
  } as never)
  // A partitioner of the caller's replaces murmur2.
  t.is((await a.queryMetadataForKey('counts', 'm1', S, () => 3)).partition, 3)

  // b leaves cleanly: its tombstone and the rebalance hand everything to a.
  await b.close()
  await eventually(
    async () => (a.taskIds.length === PARTITIONS && a.state === StreamsState.RUNNING ? true : undefined),
    { timeoutMs: 10_000, what: 'a owning every partition' },
  )
  for (const key of keys)
    t.deepEqual((await a.queryMetadataForKey('counts', key, S)).activeHost, { host: '127.0.0.1', port: 7001 })
  t.deepEqual(
    a.metadataForAllStreamsClients().map((m) => m.hostInfo.port),
    [7001],
  )
})

test('asyncStore reads wherever the tasks are now and refuses while the instance is not running', async (t) => {
  const backend = broker()
  const streams = instance(backend)
  t.teardown(() => streams.close())
  const counts = streams.asyncStore<string, number>('counts', 'keyValue')
  await t.throwsAsync(counts.get('a'), { code: STREAMS_ERROR_CODES.NOT_AVAILABLE } as never)
  t.throws(() => streams.asyncStore('counts', 'window'), { message: /keyValue store, not a window store/ })
  t.throws(() => streams.asyncStore('nope', 'keyValue'), { message: /no store named nope/ })
  await streams.start()
  append(backend, ['a', 'b', 'a', 'c'])
  const c = await eventually(async () => await counts.get('c').catch(() => undefined), {
    timeoutMs: 5000,
    what: 'c counted',
  })
  t.is(c, 1)
  t.is(await counts.get('a'), 2)
  t.deepEqual(await counts.getWithTimestamp('b'), { value: 1, timestamp: 1 })
  t.is(await counts.approximateNumEntries(), 3)
  const keys: string[] = []
  for await (const entry of counts.all()) keys.push(entry.key)
  t.deepEqual(keys.sort(), ['a', 'b', 'c'])
  const ranged: string[] = []
  for await (const entry of counts.range('a', 'b')) ranged.push(entry.key)
  t.deepEqual(ranged.sort(), ['a', 'b'])
})
