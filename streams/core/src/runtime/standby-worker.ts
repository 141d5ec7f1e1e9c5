/**
 * A worker process for the standby integration test: runs the counting topology over a store of the
 * given type with `numStandbyReplicas` until killed, and reports on stdout, one line each:
 * `STATE <state>` on every change, and every 200 ms `STATUS <json>` with its tasks, its standbys'
 * changelog positions and its restores, which the test reads to know when to kill and what was restored.
 */
import { pino } from 'pino'
import { createKafkaBackend, isKafkaClientName } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { KafkaStreams } from './kafka-streams.ts'
import { L, S } from './integration-fixtures.ts'
import { shutdownOnSignals } from './signals.ts'

export interface StandbyWorkerSpec {
  readonly applicationId: string
  readonly input: string
  readonly output: string
  readonly brokers: string
  readonly stateDir: string
  readonly client: string
  readonly numStandbyReplicas: number
  readonly storeType: 'persistent' | 'in-memory'
}

export interface StandbyWorkerStatus {
  readonly tasks: string[]
  readonly standbys: { task: string; store: string; offset: string }[]
  readonly restored: { task: string; store: string; restored: number; total: number }[]
}

const spec = JSON.parse(process.argv[2] ?? '{}') as StandbyWorkerSpec
if (!isKafkaClientName(spec.client)) {
  console.error(`usage: standby-worker '<json spec>' (client ${spec.client} unknown)`)
  process.exit(2)
}
const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
b.stream<string, string>(spec.input)
  .groupByKey()
  .count({ storeName: 'counts', storeType: spec.storeType })
  .toStream()
  .to(spec.output, { valueSerde: L as never })
const streams = new KafkaStreams(b.build(), {
  applicationId: spec.applicationId,
  backend: createKafkaBackend(spec.client, { brokers: spec.brokers.split(','), sessionTimeoutMs: 6000 }),
  processingGuarantee: 'exactly_once',
  stateDir: spec.stateDir,
  numStandbyReplicas: spec.numStandbyReplicas,
  logger: pino({ level: 'warn' }),
})
streams.onStateChange((state) => console.log(`STATE ${state}`))
setInterval(() => {
  const status: StandbyWorkerStatus = {
    tasks: streams.taskIds,
    standbys: streams.standbyProgress().map((p) => ({ ...p })),
    restored: streams.restoration().map((r) => ({ ...r })),
  }
  console.log(`STATUS ${JSON.stringify(status)}`)
}, 200).unref()
shutdownOnSignals([streams], { timeoutMs: 10_000 })
await streams.start()
