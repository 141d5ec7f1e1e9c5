import type { KafkaBackend } from '@oxagry/kafka'
import {
  KafkaStreams,
  registeredCounter,
  type ProcessingGuarantee,
  type StreamsConfig,
} from '@oxagry/streams'
import { deadLetterFormatter } from '@oxagry/topics'
import { Registry } from 'prom-client'
import { resolveBookingsOptions, type BookingsOptions } from './options.ts'
import type { BookingsCounters } from './processors.ts'
import { buildBookingsTopology } from './topology.ts'

export interface StartBookingsOptions extends BookingsOptions {
  readonly backend: KafkaBackend
  /** Default `oxagry-bookings`. */
  readonly applicationId?: string
  /**
   * Exactly-once by default: a machine's hold, the booking event and the rental order commit together,
   * so a crash can neither lose a hold (and double-book) nor place an order twice.
   */
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Bookings {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/** Business counters in the application's registry: booking steps written and inputs ignored. */
export function bookingsCounters(registry: Registry): BookingsCounters {
  const steps = registeredCounter(
    registry,
    'oxagry_bookings_steps_total',
    'Booking events written, by step',
    ['step'],
  )
  const ignored = registeredCounter(
    registry,
    'oxagry_bookings_ignored_total',
    'Inputs that changed no booking, by why',
    ['why'],
  )
  return {
    step: (step) => steps.inc({ step }),
    // The reason without its booking id, so the label stays a small set.
    ignored: (why) => ignored.inc({ why: why.replace(/ \(booking [^)]*\)$/, '') }),
  }
}

/**
 * Builds the topology and starts it. A record that does not decode goes to the bookings dead-letter
 * topic with its bytes; a registry outage is retriable, so the runtime stops rather than dead-letter
 * good records.
 */
export async function startBookings(options: StartBookingsOptions): Promise<Bookings> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...bookings } = options
  const resolved = resolveBookingsOptions(bookings)
  const metricsRegistry = extra?.metricsRegistry ?? new Registry()
  const streams = new KafkaStreams(buildBookingsTopology(bookings, bookingsCounters(metricsRegistry)), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(bookings.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    metricsRegistry,
    applicationId: applicationId ?? 'oxagry-bookings',
    backend,
    processingGuarantee: processingGuarantee ?? 'exactly_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}
