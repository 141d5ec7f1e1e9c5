import type { FastifyInstance } from 'fastify'
import type { KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, type ProcessingGuarantee, type StreamsConfig } from '@oxagry/streams'
import { buildPartsHealthServer } from '@oxagry/streams/http'
import { deadLetterFormatter } from '@oxagry/topics'
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

/** Health and metrics over HTTP: liveness and readiness of every part, and Prometheus text of all. */
export function buildHttp(parts: NotificationsParts): FastifyInstance {
  return buildPartsHealthServer({ processor: parts.streams, worker: parts.worker })
}
