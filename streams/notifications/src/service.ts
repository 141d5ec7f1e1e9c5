import Fastify, { type FastifyInstance } from 'fastify'
import type { KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, type ProcessingGuarantee, type StreamsConfig } from '@oxagry/streams'
import { deadLetterFormatter } from '@oxagry/topics'
import { Registry } from 'prom-client'
import { resolveNotificationsOptions, type NotificationsOptions } from './options.ts'
import { buildNotificationsTopology } from './topology.ts'
import type { ChannelWorker } from './worker-options.ts'

export interface StartNotificationsOptions extends NotificationsOptions {
  /** KafkaJsBackend in the service, MemoryBackend in embedded tests. */
  readonly backend: KafkaBackend
  /** Default `oxagry-notifications`. */
  readonly applicationId?: string
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Notifications {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * Builds the notifications topology and starts it, exactly-once by default: the outbox is written in
 * the transaction of the events it comes from. Records that do not decode go to the notifications
 * dead-letter topic as the catalogue's envelope, by the runtime's deserialization handler.
 */
export async function startNotifications(options: StartNotificationsOptions): Promise<Notifications> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...notifications } = options
  const resolved = resolveNotificationsOptions(notifications)
  const streams = new KafkaStreams(buildNotificationsTopology(notifications), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(notifications.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    applicationId: applicationId ?? 'oxagry-notifications',
    backend,
    processingGuarantee: processingGuarantee ?? 'exactly_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}

/** What runs in the process: the topology, the channel worker, or both. */
export interface NotificationsParts {
  readonly streams?: KafkaStreams
  readonly worker?: ChannelWorker
}

interface PartHealth {
  readonly live: boolean
  readonly ready: boolean
}

function healthOf(parts: NotificationsParts): {
  live: boolean
  ready: boolean
  parts: Record<string, PartHealth>
} {
  const each: Record<string, PartHealth> = {}
  if (parts.streams !== undefined) each.processor = parts.streams.health()
  if (parts.worker !== undefined) each.worker = parts.worker.health()
  const all = Object.values(each)
  return {
    live: all.length > 0 && all.every((h) => h.live),
    ready: all.length > 0 && all.every((h) => h.ready),
    parts: each,
  }
}

/** Health and metrics over HTTP: liveness and readiness of every part, and Prometheus text of all. */
export function buildHttp(parts: NotificationsParts): FastifyInstance {
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
        [parts.streams?.metrics.registry, parts.worker?.metrics.registry].filter((r) => r !== undefined),
      ),
    ]
    const registry = registries.length === 1 ? registries[0]! : Registry.merge(registries)
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
