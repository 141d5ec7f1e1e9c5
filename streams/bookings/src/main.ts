import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { shutdownOnSignals } from '@oxagry/streams'
import { buildHealthServer } from '@oxagry/streams/http'
import { readBookingsEnv } from './config.ts'
import { DEFAULT_BOOKINGS_TOPICS } from './options.ts'
import { createBookingsSerdes } from './serdes.ts'
import { startBookings } from './service.ts'

/** The bookings service: the topology on Kafka, with health and metrics over HTTP. */
async function main(): Promise<void> {
  let env
  try {
    env = readBookingsEnv()
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const serdes = await createBookingsSerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_BOOKINGS_TOPICS,
  )
  const bookings = await startBookings({
    backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
    serdes,
    timing: env.timing,
    applicationId: env.applicationId,
    processingGuarantee: env.processingGuarantee,
    streams: { stateDir: env.stateDir },
  })
  const http = buildHealthServer(bookings.streams)
  await http.listen({ port: env.httpPort, host: env.httpHost })
  bookings.streams.logger.info({ port: env.httpPort }, 'bookings: health and metrics listening')
  shutdownOnSignals([bookings, { close: () => http.close() }], { logger: bookings.streams.logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
