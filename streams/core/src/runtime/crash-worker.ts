/**
 * A worker process for the crash test: runs the counting topology until killed. Reports RUNNING on
 * stdout so the test knows when to produce and when to kill it. Given an `applicationServer`, it also
 * serves lookups of its counts there (the interactive queries' crash test).
 */
import { pino } from 'pino'
import { createKafkaBackend, isKafkaClientName } from '@oxagry/kafka'
import { KafkaStreams } from './kafka-streams.ts'
import { shutdownOnSignals } from './signals.ts'
import { countTopology } from './integration-fixtures.ts'
import { serveCounts } from '../http/query-fixtures.ts'

const [applicationId, input, output, guarantee, brokers, stateDir, client = 'kafkajs', applicationServer] =
  process.argv.slice(2)
if (
  applicationId === undefined ||
  input === undefined ||
  output === undefined ||
  brokers === undefined ||
  stateDir === undefined ||
  !isKafkaClientName(client)
) {
  console.error(
    'usage: crash-worker <applicationId> <input> <output> <guarantee> <brokers> <stateDir> [kafkajs|rdkafka] [host:port]',
  )
  process.exit(2)
}
const streams = new KafkaStreams(countTopology(input, output), {
  applicationId,
  backend: createKafkaBackend(client, { brokers: brokers.split(','), sessionTimeoutMs: 6000 }),
  processingGuarantee: guarantee === 'exactly_once' ? 'exactly_once' : 'at_least_once',
  commitIntervalMs: 200,
  stateDir,
  logger: pino({ level: 'warn' }),
  ...(applicationServer === undefined ? {} : { applicationServer, instanceHeartbeatMs: 1000 }),
})
streams.onStateChange((state) => console.log(`STATE ${state}`))
shutdownOnSignals([streams], { timeoutMs: 10_000 })
if (applicationServer !== undefined) await serveCounts(streams)
await streams.start()
