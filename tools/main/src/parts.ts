import { TOPICS } from '@oxagry/topics'

/** The stream applications and the transactional workers beside them, by the name each runs under. */
export const STREAM_PARTS = [
  'tracking',
  'orders',
  'inventory',
  'payments',
  'payment-gateway',
  'bookings',
  'notifications',
  'notification-channels',
] as const

/**
 * The sinks, each `sink-<name>` where `<name>` is the sink's key in its module (and in the platform's
 * health): the fleet's, the commerce views' and the commerce facts'.
 */
export const SINK_PARTS = [
  'sink-clickhouse-pings',
  'sink-clickhouse-sessions',
  'sink-read-model',
  'sink-postgres-orders',
  'sink-postgres-payments',
  'sink-stock',
  'sink-stock-reservations',
  'sink-clickhouse-commerce',
] as const

/**
 * What one process of the platform may run (`PLATFORM_PARTS`, every part when unset): each stream
 * application or worker, each sink, and `api`, the fleet and commerce APIs on one HTTP server with the
 * live views they serve. A process without `api` serves health and metrics only. Kubernetes runs one
 * part per workload, each under its own Kafka user; `npm start` runs them all in one process.
 */
export const PLATFORM_PARTS = [...STREAM_PARTS, ...SINK_PARTS, 'api'] as const
export type PlatformPart = (typeof PLATFORM_PARTS)[number]

export function isPlatformPart(name: string): name is PlatformPart {
  return (PLATFORM_PARTS as readonly string[]).includes(name)
}

/** The service name a process's spans carry: `oxagry` with every part, else `oxagry-<part>+<part>`. */
export function tracingServiceName(parts: readonly PlatformPart[]): string {
  return parts.length === PLATFORM_PARTS.length ? 'oxagry' : `oxagry-${parts.join('+')}`
}

/** The sink part a module's sink runs as: its key there, `sink-` before it. */
export function sinkPart(key: string): PlatformPart {
  const part = `sink-${key}`
  if (!isPlatformPart(part)) throw new TypeError(`sink ${key} is not one of the platform's parts`)
  return part
}

/**
 * The catalogue topics the API writes: a checkout and its follow-ups, stock receipts, provider
 * notifications (the payment webhook) and booking requests (`tools/main/src/commerce-api.ts`).
 */
export const API_WRITES = {
  orderEvents: TOPICS.orderEvents,
  orderCommands: TOPICS.orderCommands,
  stockCommands: TOPICS.stockCommands,
  providerNotifications: TOPICS.providerNotifications,
  bookingCommands: TOPICS.bookingCommands,
} as const

/**
 * The catalogue topics the API's live views follow whole, outside any group: positions and geofences
 * (the fleet API's feed and map), order statuses (the commerce API's feed), booking events with the
 * machines and geofences (the bookings view) and the notifications' outbox and deliveries.
 */
export const API_FOLLOWS = [
  TOPICS.machinePositions,
  TOPICS.geofences,
  TOPICS.orderStatus,
  TOPICS.bookingEvents,
  TOPICS.machines,
  TOPICS.notificationOutbox,
  TOPICS.notificationDeliveries,
] as const
