/**
 * A system under test in a process of its own, as the Java one is: @oxagry/streams or the kafkajs loop,
 * started by the bench with `--name value` flags. Prints `STATE RUNNING` once it consumes, and stops
 * cleanly on SIGTERM.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfluentSchemaRegistry, Contracts, createAvroSerde } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { KafkaStreams } from '@oxagry/streams'
import { pino } from 'pino'
import { intFlag, listFlag, parseFlags, stringFlag } from '../args.ts'
import { GUARANTEES, SCENARIOS, STREAMS_CLIENTS } from '../results.ts'
import { startKafkaJsLoop } from './kafkajs-loop.ts'
import { threadModuleUrl } from './thread-module.ts'
import { oxagryTopology } from './topologies.ts'

const flags = parseFlags(process.argv.slice(2))
const system = stringFlag(flags, 'system')
const scenario = listFlag(flags, 'scenario', SCENARIOS)[0] ?? 'stateless'
const guarantee = listFlag(flags, 'guarantee', GUARANTEES)[0] ?? 'at_least_once'
const brokers = stringFlag(flags, 'brokers').split(',')
const applicationId = stringFlag(flags, 'app-id')
const input = stringFlag(flags, 'input')
const output = stringFlag(flags, 'output')
const commitIntervalMs = intFlag(flags, 'commit-ms', 1000)
/** @oxagry/streams' numStreamThreads: above 1, worker threads built by ./thread-module.ts. */
const threads = intFlag(flags, 'threads', 1)
/** @oxagry/streams' Kafka client; the kafkajs loop is kafkajs whatever this says. */
const client = listFlag(flags, 'client', STREAMS_CLIENTS)[0] ?? 'kafkajs'

const registry = new ConfluentSchemaRegistry({ url: stringFlag(flags, 'registry') })
// Warm: the output topic's schema id is resolved now, so serializing never awaits the registry.
const avro = await createAvroSerde({ registry, contract: Contracts.MachinePing, topics: [output] })
const inputSchemaId = flags.get('input-schema-id')
if (inputSchemaId !== undefined) await avro.prefetch(Number(inputSchemaId))

let stop: () => Promise<void>
if (system === 'oxagry-streams') {
  const streams = new KafkaStreams(oxagryTopology(scenario, input, output, avro), {
    applicationId,
    backend: createKafkaBackend(client, { brokers, sessionTimeoutMs: 10_000 }),
    processingGuarantee: guarantee,
    commitIntervalMs,
    stateDir: mkdtempSync(join(tmpdir(), 'bench-streams-')),
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    ...(threads === 1
      ? {}
      : {
          numStreamThreads: threads,
          threadModule: threadModuleUrl({
            scenario,
            input,
            output,
            brokers: brokers.join(','),
            client,
            registry: stringFlag(flags, 'registry'),
            ...(inputSchemaId === undefined ? {} : { 'input-schema-id': inputSchemaId }),
          }),
        }),
  })
  streams.onStateChange((next) => {
    console.log(`STATE ${next}`)
    if (next === 'ERROR') {
      console.error('streams failed:', streams.error)
      process.exit(1)
    }
  })
  await streams.start()
  stop = () => streams.close()
} else if (system === 'kafkajs-loop') {
  const loop = await startKafkaJsLoop({
    brokers,
    applicationId,
    scenario,
    guarantee,
    input,
    output,
    commitIntervalMs,
    avro,
  })
  console.log('STATE RUNNING')
  stop = () => loop.stop()
} else {
  throw new TypeError(`--system must be oxagry-streams or kafkajs-loop, got ${system}`)
}

process.once('SIGTERM', () => {
  stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('stop failed:', error)
      process.exit(1)
    },
  )
})
