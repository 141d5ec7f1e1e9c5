import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { exitOnError, shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { readTrackingEnv } from './config.ts'
import { DEFAULT_TRACKING_TOPICS } from './options.ts'
import { createTrackingSerdes } from './serdes.ts'
import { buildHttp, startTracking } from './service.ts'

/** The tracking service: the topology on Kafka, with health and metrics over HTTP. */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readTrackingEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const serdes = await createTrackingSerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_TRACKING_TOPICS,
  )
  const tracking = await startTracking({
    backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
    serdes,
    applicationId: env.applicationId,
    processingGuarantee: env.processingGuarantee,
    streams: serviceStreamsConfig(env),
  })
  const http = buildHttp(tracking.streams)
  await http.listen({ port: env.httpPort, host: env.httpHost })
  tracking.streams.logger.info({ port: env.httpPort }, 'tracking: health and metrics listening')
  const closing = [closeTracingLast([tracking, { close: () => http.close() }], tracing)]
  shutdownOnSignals(closing, { logger: tracking.streams.logger })
  // Failed for good (a full disk, a broker away past taskTimeoutMs): the process ends to be restarted.
  exitOnError([tracking.streams], closing, { logger: tracking.streams.logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
