import test from 'ava'
import { Contracts, createAvroSerde, InMemorySchemaRegistry } from '@oxagry/avro'
import { MemoryBackend, MemoryBroker, partitionForKey } from '@oxagry/kafka'
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
  // Every ping decodes as a MachinePing, keyed by its machine, on the partition murmur2 of that key picks.
  const reader = await createAvroSerde({ registry, contract: Contracts.MachinePing })
  const partitions = broker.partitionCount(pings) ?? 0
  let checked = 0
  for (let p = 0; p < partitions; p++) {
    for (const record of broker.fetch(pings, p, 0, 1_000_000, false).records) {
      const ping = await reader.deserialize(pings, record.value as Buffer, record.headers)
      t.is(record.key?.toString(), ping.machineId)
      t.is(partitionForKey(record.key as Buffer, partitions), p)
      checked++
    }
  }
  t.is(checked, result.total)
})

test('flags are validated with a message naming the flag', (t) => {
  const flags = parseFlags(['--machines', '200', '--rate', '1000', '--seed', '42', '--duration', '60'], {})
  t.is(flags.machines, 200)
  t.is(flags.rate, 1000)
  t.deepEqual(flags.kafka.brokers, ['127.0.0.1:9092'])
  t.throws(() => parseFlags(['--machines', 'x'], {}), { message: /--machines must be an integer/ })
  t.throws(() => parseFlags(['--rate=-1'], {}), { message: /--rate must be/ })
  t.throws(() => parseFlags(['--bogus'], {}), { message: /Unknown option/ })
  t.throws(() => parseFlags([], { KAFKA_BROKERS: 'nohost' }), { message: /^KAFKA_BROKERS must be host:port/ })
  t.throws(() => parseFlags(['--brokers', 'nohost'], {}), { message: /^--brokers must be host:port/ })
  t.throws(() => parseFlags([], { KAFKA_SASL_MECHANISM: 'scram-sha-512' }), {
    message: /KAFKA_SASL_USERNAME/,
  })
})
