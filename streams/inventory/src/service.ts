import type { FastifyInstance } from 'fastify'
import { buildHealthServer } from '@oxagry/streams/http'
import type { KafkaBackend } from '@oxagry/kafka'
import {
  KafkaStreams,
  registeredCounter,
  type ProcessingGuarantee,
  type StreamsConfig,
} from '@oxagry/streams'
import { deadLetterFormatter } from '@oxagry/topics'
import { Registry } from 'prom-client'
import { resolveInventoryOptions, type InventoryOptions } from './options.ts'
import type { InventoryCounters } from './processor.ts'
import { buildInventoryTopology } from './topology.ts'

export interface StartInventoryOptions extends InventoryOptions {
  /** A Kafka backend in the service, MemoryBackend in embedded tests. */
  readonly backend: KafkaBackend
  /** Default `oxagry-inventory`. */
  readonly applicationId?: string
  /** Default `exactly_once`: a reservation and its answer commit together or not at all. */
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Inventory {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/** Business counters in the application's registry: reservations by result, low-stock alerts. */
export function inventoryCounters(registry: Registry): InventoryCounters {
  const reservations = registeredCounter(
    registry,
    'oxagry_inventory_reservations_total',
    'Reservation requests by result: reserved, refused (a stock-out for the order) or already held',
    ['result'],
  )
  const lowStock = registeredCounter(
    registry,
    'oxagry_inventory_low_stock_total',
    'Low-stock alerts: a product and warehouse crossed its threshold downwards',
    [],
  )
  return { reservation: (result) => reservations.inc({ result }), lowStock: () => lowStock.inc() }
}

/**
 * Builds the topology and starts it, exactly-once unless told otherwise. Commands that do not decode
 * become dead-letter envelopes through the runtime's deserialization handler; commands the topology
 * refuses are dead-lettered by the topology itself, in the same envelope. A registry outage is
 * retriable: the runtime stops rather than dead-letter good commands.
 */
export async function startInventory(options: StartInventoryOptions): Promise<Inventory> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...inventory } = options
  const resolved = resolveInventoryOptions(inventory)
  const metricsRegistry = extra?.metricsRegistry ?? new Registry()
  const streams = new KafkaStreams(buildInventoryTopology(inventory, inventoryCounters(metricsRegistry)), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(inventory.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    metricsRegistry,
    applicationId: applicationId ?? 'oxagry-inventory',
    backend,
    processingGuarantee: processingGuarantee ?? 'exactly_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}

/** Health and metrics over HTTP: liveness, readiness (stores restored) and Prometheus text. */
export function buildHttp(streams: KafkaStreams): FastifyInstance {
  return buildHealthServer(streams)
}
