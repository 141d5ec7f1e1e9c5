import type { KafkaBackend } from '@oxagry/kafka'
import {
  KafkaStreams,
  registeredCounter,
  type ProcessingGuarantee,
  type StreamsConfig,
} from '@oxagry/streams'
import { deadLetterFormatter } from '@oxagry/topics'
import { Registry } from 'prom-client'
import { resolveOrdersOptions, type OrdersOptions } from './options.ts'
import type { OrdersCounters } from './processor.ts'
import { buildOrdersTopology } from './topology.ts'

export interface StartOrdersOptions extends OrdersOptions {
  readonly backend: KafkaBackend
  /** Default `oxagry-orders`. */
  readonly applicationId?: string
  /** Exactly-once by default: a decision, its compensations and its status commit together. */
  readonly processingGuarantee?: ProcessingGuarantee
  /** Passed to the runtime as is (commit interval, state dir, logger, metrics registry...). */
  readonly streams?: Omit<StreamsConfig, 'applicationId' | 'backend' | 'processingGuarantee'>
}

export interface Orders {
  readonly streams: KafkaStreams
  close(options?: { timeoutMs?: number }): Promise<void>
}

/** Business counters in the application's registry: orders placed, decided by outcome, ignored inputs. */
export function ordersCounters(registry: Registry): OrdersCounters {
  const metric = <L extends string>(name: string, help: string, labelNames: L[]) =>
    registeredCounter(registry, name, help, labelNames)
  const placed = metric(
    'oxagry_orders_placed_total',
    'Orders placed (each order once, retries not counted)',
    [],
  )
  const decided = metric(
    'oxagry_orders_decided_total',
    'Orders decided, by outcome and cancellation reason',
    ['outcome', 'reason'],
  )
  const ignored = metric('oxagry_orders_ignored_total', 'Inputs that changed no order, by why', ['why'])
  return {
    placed: () => placed.inc(),
    decided: (outcome, reason) => decided.inc({ outcome, reason: reason ?? '' }),
    ignored: (why) => ignored.inc({ why }),
  }
}

/**
 * Builds the topology and starts it. An order record that does not decode goes to the domain's
 * dead-letter topic with its bytes; a registry outage is retriable, so the runtime stops rather than
 * dead-letter good records.
 */
export async function startOrders(options: StartOrdersOptions): Promise<Orders> {
  const { backend, applicationId, processingGuarantee, streams: extra, ...orders } = options
  const resolved = resolveOrdersOptions(orders)
  const metricsRegistry = extra?.metricsRegistry ?? new Registry()
  const streams = new KafkaStreams(buildOrdersTopology(orders, ordersCounters(metricsRegistry)), {
    deserializationErrorHandler: {
      deadLetterTopic: resolved.topics.deadLetters,
      format: deadLetterFormatter(orders.serdes.deadLetter, resolved.topics.deadLetters),
    },
    ...extra,
    metricsRegistry,
    applicationId: applicationId ?? 'oxagry-orders',
    backend,
    processingGuarantee: processingGuarantee ?? 'exactly_once',
  })
  await streams.start()
  return { streams, close: (o) => streams.close(o) }
}
