import Fastify, { type FastifyInstance } from 'fastify'
import type { KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, type ProcessingGuarantee, type StreamsConfig } from '@oxagry/streams'
import { deadLetterFormatter } from '@oxagry/topics'
import { Registry } from 'prom-client'
import type { PaymentGateway } from './gateway-options.ts'
import { resolvePaymentsOptions, type PaymentsOptions } from './options.ts'
import { buildPaymentsTopology } from './topology.ts'

export interface StartPaymentsOptions extends PaymentsOptions {
  /** KafkaJsBackend in the service, MemoryBackend in embedded tests. */
  readonly backend: KafkaBackend
  /** Default `oxagry-payments`. */
  readonly applicationId?: string
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Payments {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * Builds the payments topology and starts it. Records that do not decode go to the payments dead-letter
 * topic as the catalogue's envelope, by the runtime's deserialization handler; a registry outage is
 * retriable, so the runtime stops rather than dead-letter good records.
 */
export async function startPayments(options: StartPaymentsOptions): Promise<Payments> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...payments } = options
  const resolved = resolvePaymentsOptions(payments)
  const streams = new KafkaStreams(buildPaymentsTopology(payments), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(payments.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    applicationId: applicationId ?? 'oxagry-payments',
    backend,
    processingGuarantee: processingGuarantee ?? 'exactly_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}

/** What runs in the process: the topology, the gateway, or both. */
export interface PaymentsParts {
  readonly streams?: KafkaStreams
  readonly gateway?: PaymentGateway
}

interface PartHealth {
  readonly live: boolean
  readonly ready: boolean
}

function healthOf(parts: PaymentsParts): {
  live: boolean
  ready: boolean
  parts: Record<string, PartHealth>
} {
  const each: Record<string, PartHealth> = {}
  if (parts.streams !== undefined) each.processor = parts.streams.health()
  if (parts.gateway !== undefined) each.gateway = parts.gateway.health()
  const all = Object.values(each)
  return {
    live: all.length > 0 && all.every((h) => h.live),
    ready: all.length > 0 && all.every((h) => h.ready),
    parts: each,
  }
}

/** Health and metrics over HTTP: liveness and readiness of every part, and Prometheus text of all. */
export function buildHttp(parts: PaymentsParts): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/health/live', async (_req, reply) => {
    const health = healthOf(parts)
    return reply.code(health.live ? 200 : 503).send(health)
  })
  app.get('/health/ready', async (_req, reply) => {
    const health = healthOf(parts)
    return reply.code(health.ready ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_req, reply) => {
    const registries = [
      ...new Set(
        [parts.streams?.metrics.registry, parts.gateway?.metrics.registry].filter((r) => r !== undefined),
      ),
    ]
    const registry = registries.length === 1 ? registries[0]! : Registry.merge(registries)
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
