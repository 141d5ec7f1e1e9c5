import type { FastifyInstance } from 'fastify'
import type { KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, type ProcessingGuarantee, type StreamsConfig } from '@oxagry/streams'
import { buildPartsHealthServer } from '@oxagry/streams/http'
import { deadLetterFormatter } from '@oxagry/topics'
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

/** Health and metrics over HTTP: liveness and readiness of every part, and Prometheus text of all. */
export function buildHttp(parts: PaymentsParts): FastifyInstance {
  return buildPartsHealthServer({ processor: parts.streams, gateway: parts.gateway })
}
