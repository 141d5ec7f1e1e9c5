import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createKafkaBackend } from '@oxagry/kafka'
import { shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { readNotificationsEnv } from './config.ts'
import { DEFAULT_NOTIFICATIONS_TOPICS } from './options.ts'
import { createNotificationsSerdes } from './serdes.ts'
import { buildHttp, startNotifications, type Notifications } from './service.ts'
import { SimulatedChannel } from './simulated-channel.ts'
import { startChannelWorker } from './worker.ts'
import type { ChannelWorker } from './worker-options.ts'

/**
 * The notifications service: the topology (events rendered into the outbox), the channel worker with
 * the simulated provider, or both (NOTIFICATIONS_ROLE), with health and metrics over HTTP.
 */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readNotificationsEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const logger = pino({ name: 'oxagry-notifications' })
  const metricsRegistry = new Registry()
  const serdes = await createNotificationsSerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_NOTIFICATIONS_TOPICS,
  )
  const closing: { close(): Promise<void> }[] = []
  let notifications: Notifications | undefined
  let worker: ChannelWorker | undefined
  if (env.role !== 'worker') {
    notifications = await startNotifications({
      backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
      serdes,
      stockRecipients: env.stockRecipients,
      applicationId: env.applicationId,
      processingGuarantee: env.processingGuarantee,
      streams: { logger, metricsRegistry, ...serviceStreamsConfig(env) },
    })
    closing.push(notifications)
  }
  if (env.role !== 'processor') {
    const channel = await SimulatedChannel.open({ logPath: env.sentLogPath })
    worker = await startChannelWorker({
      backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.workerGroupId }),
      channel,
      serdes,
      groupId: env.workerGroupId,
      processingGuarantee: env.processingGuarantee,
      retry: env.retry,
      logger,
      metricsRegistry,
    })
    const running = worker
    // The worker first: the provider's log stays open until nothing can send through it.
    closing.push({
      close: async () => {
        await running.stop()
        await channel.close()
      },
    })
    // A failed worker does not sit idle looking alive: the process ends and is restarted.
    void worker.closed.then(({ state }) => {
      if (state === 'FAILED') process.exit(1)
    })
  }
  const http = buildHttp({
    ...(notifications === undefined ? {} : { streams: notifications.streams }),
    ...(worker === undefined ? {} : { worker }),
  })
  await http.listen({ port: env.httpPort, host: env.httpHost })
  logger.info({ port: env.httpPort, role: env.role }, 'notifications: health and metrics listening')
  shutdownOnSignals([closeTracingLast([...closing, { close: () => http.close() }], tracing)], { logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
