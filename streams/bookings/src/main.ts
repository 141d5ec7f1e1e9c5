import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { buildHealthServer } from '@oxagry/streams/http'
import { readBookingsEnv } from './config.ts'
import { DEFAULT_BOOKINGS_TOPICS } from './options.ts'
import { createBookingsSerdes } from './serdes.ts'
import { startBookings } from './service.ts'

/** The bookings service: the topology on Kafka, with health and metrics over HTTP. */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readBookingsEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
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
    streams: serviceStreamsConfig(env),
  })
  const http = buildHealthServer(bookings.streams)
  await http.listen({ port: env.httpPort, host: env.httpHost })
  bookings.streams.logger.info({ port: env.httpPort }, 'bookings: health and metrics listening')
  shutdownOnSignals([closeTracingLast([bookings, { close: () => http.close() }], tracing)], {
    logger: bookings.streams.logger,
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
