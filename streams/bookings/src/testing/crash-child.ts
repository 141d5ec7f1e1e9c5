import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { pino } from 'pino'
import { createBookingsSerdes } from '../serdes.ts'
import { startBookings } from '../service.ts'
import { prefixedTopics } from './scenario.ts'

// The bookings application alone in a process, for the crash test to SIGKILL: argv[2] is
// `{ prefix, brokers, registryUrl, stateDir, partitions }`. Prints RUNNING once it runs.

const spec = JSON.parse(process.argv[2] ?? '{}') as {
  prefix: string
  brokers: string[]
  registryUrl: string
  stateDir: string
  partitions: number
}
const topics = prefixedTopics(spec.prefix)
const serdes = await createBookingsSerdes(new ConfluentSchemaRegistry({ url: spec.registryUrl }), topics, {
  autoRegister: true,
})
const bookings = await startBookings({
  backend: createKafkaBackend('kafkajs', { brokers: spec.brokers, clientId: spec.prefix }),
  serdes,
  topics,
  schedulePartitions: spec.partitions,
  applicationId: spec.prefix,
  streams: { logger: pino({ level: 'warn' }), stateDir: spec.stateDir, commitIntervalMs: 200 },
})
const started = Date.now()
while (!bookings.streams.health().ready && Date.now() - started < 60_000)
  await new Promise((resolve) => setTimeout(resolve, 100))
process.stdout.write('RUNNING bookings\n')
