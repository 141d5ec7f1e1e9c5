import Fastify, { type FastifyInstance } from 'fastify'
import {
  KafkaStreams,
  type ProcessingGuarantee,
  type StreamsBackend,
  type StreamsConfig,
} from '@oxagry/streams'
import { resolveTrackingOptions, type TrackingOptions } from './options.ts'
import { buildTrackingTopology } from './topology.ts'

export interface StartTrackingOptions extends TrackingOptions {
  /** KafkaJsBackend in the service, MemoryBackend inside `npm start`. */
  readonly backend: StreamsBackend
  /** Default `oxagry-tracking`. */
  readonly applicationId?: string
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Tracking {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * Builds the topology and starts it. Undecodable pings become dead-letter envelopes in the topology;
 * the runtime's own dead-letter handler stays as the backstop for what the topology never sees (a
 * registry outage that outlasts the serde's retries, an output that does not serialize).
 */
export async function startTracking(options: StartTrackingOptions): Promise<Tracking> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...tracking } = options
  const resolved = resolveTrackingOptions(tracking)
  const deadLetters = { deadLetterTopic: resolved.topics.deadLetters }
  const streams = new KafkaStreams(buildTrackingTopology(tracking), {
    deserializationErrorHandler: deadLetters,
    productionErrorHandler: deadLetters,
    ...extra,
    applicationId: applicationId ?? 'oxagry-tracking',
    backend,
    processingGuarantee: processingGuarantee ?? 'at_least_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}

/** Health and metrics over HTTP: liveness, readiness (stores restored) and Prometheus text. */
export function buildHttp(streams: KafkaStreams): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/health/live', async (_req, reply) => {
    const health = streams.health()
    return reply.code(health.live ? 200 : 503).send(health)
  })
  app.get('/health/ready', async (_req, reply) => {
    const health = streams.health()
    return reply.code(health.ready ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_req, reply) => {
    const registry = streams.metrics.registry
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
