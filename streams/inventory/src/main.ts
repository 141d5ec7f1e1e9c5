import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { exitOnError, shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { readInventoryEnv } from './config.ts'
import { DEFAULT_INVENTORY_TOPICS } from './options.ts'
import { createInventorySerdes } from './serdes.ts'
import { buildHttp, startInventory } from './service.ts'

/** The inventory service: the topology on Kafka, with health and metrics over HTTP. */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readInventoryEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const serdes = await createInventorySerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_INVENTORY_TOPICS,
  )
  const inventory = await startInventory({
    backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
    serdes,
    applicationId: env.applicationId,
    processingGuarantee: env.processingGuarantee,
    expiry: { punctuationIntervalMs: env.expiryIntervalMs },
    streams: serviceStreamsConfig(env),
  })
  const http = buildHttp(inventory.streams)
  await http.listen({ port: env.httpPort, host: env.httpHost })
  inventory.streams.logger.info({ port: env.httpPort }, 'inventory: health and metrics listening')
  const closing = [closeTracingLast([inventory, { close: () => http.close() }], tracing)]
  shutdownOnSignals(closing, { logger: inventory.streams.logger })
  // Failed for good (a full disk, a broker away past taskTimeoutMs): the process ends to be restarted.
  exitOnError([inventory.streams], closing, { logger: inventory.streams.logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
