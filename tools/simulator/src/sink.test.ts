import test from 'ava'
import { Contracts, createAvroSerde, InMemorySchemaRegistry } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker } from '@oxagry/streams'
import { createFleet } from './fleet.ts'
import { runSimulator } from './run.ts'
import { createBackendPingSink, createSimulatorSerdes, DEFAULT_SIMULATOR_TOPICS } from './sink.ts'
import { parseFlags } from './cli.ts'

test('the backend sink writes geofences and Avro pings keyed by machine to the memory broker', async (t) => {
  const registry = new InMemorySchemaRegistry()
  const serdes = await createSimulatorSerdes(registry, DEFAULT_SIMULATOR_TOPICS, { autoRegister: true })
  const broker = new MemoryBroker()
  const sink = await createBackendPingSink({ backend: new MemoryBackend(broker), serdes, createTopics: true })
  const fleet = createFleet({ machines: 10, ratePerSecond: 10, seed: 1 })
  let clock = 1_700_000_000_000
  const result = await runSimulator({
    fleet,
    sink,
    durationMs: 30_000,
    tickMs: 1,
    now: () => (clock += 1000),
  })
  await sink.close()
  t.is(
    result.total,
    Object.values(fleet.counts()).reduce((a, b) => a + b, 0),
  )
  const { pings, geofences } = DEFAULT_SIMULATOR_TOPICS
  const count = (topic: string): number => {
    let n = 0
    for (let p = 0; p < (broker.partitionCount(topic) ?? 0); p++) n += broker.endOffset(topic, p)
    return n
  }
  t.is(count(pings), result.total)
  t.is(count(geofences), fleet.geofences(0).length)
  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  t.truthy(reader)
})

test('flags are validated with a message naming the flag', (t) => {
  const flags = parseFlags(['--machines', '200', '--rate', '1000', '--seed', '42', '--duration', '60'], {})
  t.is(flags.machines, 200)
  t.is(flags.rate, 1000)
  t.deepEqual(flags.brokers, ['127.0.0.1:9092'])
  t.throws(() => parseFlags(['--machines', 'x'], {}), { message: /--machines must be an integer/ })
  t.throws(() => parseFlags(['--rate=-1'], {}), { message: /--rate must be/ })
  t.throws(() => parseFlags(['--bogus'], {}), { message: /Unknown option/ })
  t.throws(() => parseFlags([], { KAFKA_BROKERS: 'nohost' }), { message: /--brokers must be host:port/ })
})
