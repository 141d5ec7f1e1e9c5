import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { claimProcessId, createKafkaBackend } from '@oxagry/kafka'
import { exitOnError, shutdownOnSignals, serviceStreamsConfig } from '@oxagry/streams'
import { closeTracingLast, startTracing } from '@oxagry/tracing'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { readPaymentsEnv } from './config.ts'
import type { PaymentGateway } from './gateway-options.ts'
import { startPaymentGateway } from './gateway.ts'
import { DEFAULT_PAYMENTS_TOPICS } from './options.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { buildHttp, startPayments, type Payments } from './service.ts'
import { SimulatedProvider } from './simulated-provider.ts'
import { WebhookDeliverer } from './webhook-deliverer.ts'

/**
 * The payments service: the topology (PAYMENT and FRAUD answers), the gateway worker with the simulated
 * provider, or both (PAYMENTS_ROLE), with health and metrics over HTTP.
 */
async function main(): Promise<void> {
  let env
  let tracing
  try {
    env = readPaymentsEnv()
    // Before anything traced starts: spans are exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing = startTracing({ serviceName: env.applicationId })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const logger = pino({ name: 'oxagry-payments' })
  const metricsRegistry = new Registry()
  const serdes = await createPaymentsSerdes(
    new ConfluentSchemaRegistry({ url: env.schemaRegistryUrl }),
    DEFAULT_PAYMENTS_TOPICS,
  )
  const closing: { close(): Promise<void> }[] = []
  let payments: Payments | undefined
  let gateway: PaymentGateway | undefined
  if (env.role !== 'gateway') {
    payments = await startPayments({
      backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.applicationId }),
      serdes,
      fraud: env.fraud,
      applicationId: env.applicationId,
      processingGuarantee: env.processingGuarantee,
      streams: { logger, metricsRegistry, ...serviceStreamsConfig(env) },
    })
    closing.push(payments)
  }
  if (env.role !== 'processor') {
    const provider = await SimulatedProvider.open(env.provider)
    gateway = await startPaymentGateway({
      backend: createKafkaBackend(env.kafkaClient, { ...env.kafka, clientId: env.gatewayGroupId }),
      provider,
      serdes,
      groupId: env.gatewayGroupId,
      // Kept across restarts in the state directory: a restart aborts what a crash left open at once.
      instanceId: claimProcessId(join(env.stateDir, env.gatewayGroupId), logger),
      processingGuarantee: env.processingGuarantee,
      logger,
      metricsRegistry,
    })
    const running = gateway
    const deliverer =
      env.webhook === undefined ? undefined : new WebhookDeliverer({ provider, ...env.webhook, logger })
    deliverer?.start()
    // The gateway and the deliverer first: the provider's ledger stays open until nothing can reach it.
    closing.push({
      close: async () => {
        await running.stop()
        await deliverer?.stop()
        await provider.close()
      },
    })
    // A failed gateway does not sit idle looking alive: the process ends and is restarted.
    void gateway.closed.then(({ state }) => {
      if (state === 'FAILED') process.exit(1)
    })
  }
  const http = buildHttp({
    ...(payments === undefined ? {} : { streams: payments.streams }),
    ...(gateway === undefined ? {} : { gateway }),
  })
  await http.listen({ port: env.httpPort, host: env.httpHost })
  logger.info({ port: env.httpPort, role: env.role }, 'payments: health and metrics listening')
  const all = [closeTracingLast([...closing, { close: () => http.close() }], tracing)]
  shutdownOnSignals(all, { logger })
  // A failed processor ends the process too (after closing), to be restarted.
  if (payments !== undefined) exitOnError([payments.streams], all, { logger })
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
