import type { FastifyInstance } from 'fastify'
import { buildHealthServer } from '@oxagry/streams/http'
import { deadLetterFormatter } from '@oxagry/topics'
import type { KafkaBackend } from '@oxagry/kafka'
import { KafkaStreams, type ProcessingGuarantee, type StreamsConfig } from '@oxagry/streams'
import { Registry } from 'prom-client'
import { resolveTrackingOptions, type TrackingOptions } from './options.ts'
import { machinesReporting } from './reporting.ts'
import { buildTrackingTopology } from './topology.ts'

export interface StartTrackingOptions extends TrackingOptions {
  /** KafkaJsBackend in the service, MemoryBackend inside `npm start`. */
  readonly backend: KafkaBackend
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
 * the runtime's dead-letter handler, writing the same envelope, is the backstop for what the topology
 * never sees. A registry outage is retriable: the runtime stops rather than dead-letter good pings.
 */
export async function startTracking(options: StartTrackingOptions): Promise<Tracking> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...tracking } = options
  const resolved = resolveTrackingOptions(tracking)
  const metricsRegistry = extra?.metricsRegistry ?? new Registry()
  const streams = new KafkaStreams(buildTrackingTopology(tracking), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(tracking.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    metricsRegistry,
    applicationId: applicationId ?? 'oxagry-tracking',
    backend,
    processingGuarantee: processingGuarantee ?? 'at_least_once',
  })
  await streams.start()
  const leave = machinesReporting(metricsRegistry, streams)
  return {
    streams,
    close: async (o) => {
      leave()
      await streams.close(o)
    },
  }
}

/** Health and metrics over HTTP: liveness, readiness (stores restored) and Prometheus text. */
export function buildHttp(streams: KafkaStreams): FastifyInstance {
  return buildHealthServer(streams)
}
