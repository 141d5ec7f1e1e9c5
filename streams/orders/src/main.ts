import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { exitOnError, shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { buildHealthServer } from '@oxagry/streams/http'
import { readOrdersEnv } from './config.ts'
import { DEFAULT_ORDERS_TOPICS } from './options.ts'
import { createOrdersSerdes } from './serdes.ts'
import { startOrders } from './service.ts'

/** The orders service: the topology on Kafka, with health and metrics over HTTP. */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readOrdersEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const serdes = await createOrdersSerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_ORDERS_TOPICS,
  )
  const orders = await startOrders({
    backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
    serdes,
    timeouts: env.timeouts,
    applicationId: env.applicationId,
    processingGuarantee: env.processingGuarantee,
    streams: serviceStreamsConfig(env),
  })
  const http = buildHealthServer(orders.streams)
  await http.listen({ port: env.httpPort, host: env.httpHost })
  orders.streams.logger.info({ port: env.httpPort }, 'orders: health and metrics listening')
  const closing = [closeTracingLast([orders, { close: () => http.close() }], tracing)]
  shutdownOnSignals(closing, { logger: orders.streams.logger })
  // Failed for good (a full disk, a broker away past taskTimeoutMs): the process ends to be restarted.
  exitOnError([orders.streams], closing, { logger: orders.streams.logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
