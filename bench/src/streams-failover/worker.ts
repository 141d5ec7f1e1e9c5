/**
 * One instance of the failover benchmark's application: counts records per key in one store (LMDB or
 * in memory), exactly-once, with or without a standby. Prints on stdout, each line stamped with the
 * wall clock: `STATE <state> <ms>` on every change, `PROBE <key> <ms>` when a record whose key starts
 * with `probe` is processed, and every 200 ms `STATUS <json>` (tasks, standby positions, restores).
 */
import { pino } from 'pino'
import { createKafkaBackend, isKafkaClientName, Serdes } from '@oxagry/kafka'
import { KafkaStreams, shutdownOnSignals, StreamsBuilder } from '@oxagry/streams'
import type { WorkerSpec, WorkerStatus } from './protocol.ts'

const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec
if (!isKafkaClientName(spec.client)) {
  console.error(`usage: worker '<json spec>' (client ${spec.client} unknown)`)
  process.exit(2)
}
const S = Serdes.String()
const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
b.stream<string, string>(spec.input)
  .peek((key) => {
    if (key.startsWith('probe')) console.log(`PROBE ${key} ${Date.now()}`)
  })
  .groupByKey()
  .count({ storeName: 'counts', storeType: spec.storeType })
  .toStream()
  .to(spec.output, { valueSerde: Serdes.Long() as never })
const streams = new KafkaStreams(b.build(), {
  applicationId: spec.applicationId,
  backend: createKafkaBackend(spec.client, {
    brokers: spec.brokers.split(','),
    sessionTimeoutMs: spec.sessionTimeoutMs,
  }),
  processingGuarantee: 'exactly_once',
  stateDir: spec.stateDir,
  numStandbyReplicas: spec.numStandbyReplicas,
  logger: pino({ level: 'warn' }),
})
streams.onStateChange((state) => console.log(`STATE ${state} ${Date.now()}`))
setInterval(() => {
  const status: WorkerStatus = {
    tasks: streams.taskIds,
    standbys: streams.standbyProgress().map((p) => ({ task: p.task, offset: p.offset })),
    restored: streams.restoration().map((r) => ({ task: r.task, restored: r.restored, total: r.total })),
  }
  console.log(`STATUS ${JSON.stringify(status)}`)
}, 200).unref()
shutdownOnSignals([streams], { timeoutMs: 30_000 })
await streams.start()
