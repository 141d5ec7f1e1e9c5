import { Contracts, type AvroContract, type CompatibilityLevel, type DeadLetter } from '@oxagry/avro'
import { TOPICS_ERROR_CODES, TopicsError } from './errors.ts'
import type { KeyFormat } from './keys.ts'

/** Kafka's cleanup policies, as topic configs spell them. */
export const CLEANUP_POLICIES = {
  /** Segments older than retention.ms are deleted: an event log. */
  DELETE: 'delete',
  /** The latest record per key is kept for ever: a table. */
  COMPACT: 'compact',
} as const

export type CleanupPolicy = (typeof CLEANUP_POLICIES)[keyof typeof CLEANUP_POLICIES]

/** Domains, the first part of a topic name; each owns its topics and its dead-letter topic. */
export const DOMAINS = ['orders', 'inventory', 'payments', 'fleet', 'bookings', 'notifications'] as const
export type Domain = (typeof DOMAINS)[number]

/**
 * Topic names are `<domain>.<entity>.v<N>`: the domain that owns it, the entity in kebab case, and a
 * version bumped only for a change no compatibility level allows (then it is a new topic, migrated to).
 */
export const TOPIC_NAME =
  /^(?<domain>[a-z][a-z0-9]*)\.(?<entity>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.v(?<version>[1-9][0-9]*)$/

const DAY = 86_400_000

/** One declared topic. Internal topics of stream applications (changelogs, repartitions) are not declared. */
export interface TopicSpec<V = unknown> {
  readonly name: string
  /** What the topic holds and who writes it; becomes documentation and a Strimzi annotation. */
  readonly description: string
  readonly partitions: number
  /** Replicas in production; the local profile uses 1. */
  readonly replicationFactor: number
  /** In production; below it a producer with acks=all is refused. The local profile uses 1. */
  readonly minInsyncReplicas: number
  readonly cleanupPolicy: CleanupPolicy
  /** How long records are kept, in ms; -1 for ever. A compacted topic keeps the latest per key regardless. */
  readonly retentionMs: number
  readonly key: KeyFormat
  readonly value: AvroContract<V>
  /** Compatibility level of the value subject. */
  readonly compatibility: CompatibilityLevel
  /** Further topic configs by their Kafka names, declared here like the rest. */
  readonly config: Readonly<Record<string, string>>
}

type TopicInput<V> = Omit<
  TopicSpec<V>,
  'replicationFactor' | 'minInsyncReplicas' | 'compatibility' | 'config'
> &
  Partial<Pick<TopicSpec<V>, 'replicationFactor' | 'minInsyncReplicas' | 'compatibility' | 'config'>>

/**
 * Defaults: 3 replicas with min.insync.replicas 2, so one broker may be down without stopping acks=all
 * producers; BACKWARD compatibility, the registry's own default.
 */
function defineTopic<V>(input: TopicInput<V>): TopicSpec<V> {
  const compacted = input.cleanupPolicy === CLEANUP_POLICIES.COMPACT
  return Object.freeze({
    replicationFactor: 3,
    minInsyncReplicas: 2,
    compatibility: 'BACKWARD',
    ...input,
    config: Object.freeze({
      // Tombstones must outlive a restoring consumer's read of the topic, or deleted keys come back.
      ...(compacted ? { 'delete.retention.ms': String(DAY), 'segment.ms': String(DAY) } : {}),
      ...input.config,
    }),
  })
}

/**
 * Event topics are FULL: their producers (checkout, warehouse and payment services, telematics
 * gateways) deploy independently of our processors, so old consumers must read new data and new
 * consumers old data. Derived topics and dead letters are produced by our own processors, whose
 * consumers (sinks, APIs) are deployed first: BACKWARD.
 */
export const TOPICS = {
  orderEvents: defineTopic({
    name: 'orders.order-events.v1',
    description:
      'Order lifecycle events (placed, confirmed, cancelled, completed) from the checkout service.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 90 * DAY,
    key: 'orderId',
    value: Contracts.OrderEvent,
    compatibility: 'FULL',
  }),
  orderStatus: defineTopic({
    name: 'orders.order-status.v1',
    description: 'Current status of each order, folded from order and payment events.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'orderId',
    value: Contracts.OrderStatus,
  }),
  paymentEvents: defineTopic({
    name: 'payments.payment-events.v1',
    description: 'Payment steps from the payment provider adapter, keyed by order to join with order events.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 90 * DAY,
    key: 'orderId',
    value: Contracts.PaymentEvent,
    // BACKWARD, not FULL: the only producer is our own payment gateway worker, deployed after the
    // processors that read it, so readers always know a new step of a payment first (PaymentVoided
    // came that way; under FULL a new union branch is refused).
    compatibility: 'BACKWARD',
  }),
  orderValidations: defineTopic({
    name: 'orders.order-validations.v1',
    description:
      'Answers of the checks an order goes through (details, stock, fraud, payment), folded by the orders application into its decision.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 7 * DAY,
    key: 'orderId',
    value: Contracts.OrderValidation,
  }),
  orderCommands: defineTopic({
    name: 'orders.order-commands.v1',
    description:
      'Requests about existing orders (cancel, delivery reported, refund) from customers, operators and the delivery service.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'orderId',
    value: Contracts.OrderCommand,
    compatibility: 'FULL',
  }),
  paymentCommands: defineTopic({
    name: 'payments.payment-commands.v1',
    description:
      'Provider calls (authorise, capture, void, refund) from the orders application to the payment gateway worker.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'orderId',
    value: Contracts.PaymentCommand,
  }),
  providerNotifications: defineTopic({
    name: 'payments.provider-notifications.v1',
    description:
      "Payment provider calls left pending (from the payment gateway worker) and their outcomes reported later by the provider's webhook (from the commerce API); the payments application turns each into one payment event.",
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'orderId',
    value: Contracts.ProviderNotification,
    // BACKWARD: both producers (the gateway and the commerce API's webhook route) are ours and are
    // deployed after the payments application that reads the topic, as for the payment events.
    compatibility: 'BACKWARD',
  }),
  stockCommands: defineTopic({
    name: 'inventory.stock-commands.v1',
    description:
      'Stock requests (adjust, reserve, confirm, release) per product and warehouse; the inventory application answers with stock events.',
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'productWarehouse',
    value: Contracts.StockCommand,
    compatibility: 'FULL',
  }),
  products: defineTopic({
    name: 'inventory.products.v1',
    description:
      'The product catalogue (price, currency, low-stock threshold); read whole as a global table.',
    partitions: 3,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'productId',
    value: Contracts.Product,
    compatibility: 'FULL',
  }),
  stockEvents: defineTopic({
    name: 'inventory.stock-events.v1',
    description: 'Stock adjustments, reservations, releases and low-stock alerts per product and warehouse.',
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 90 * DAY,
    key: 'productWarehouse',
    value: Contracts.StockEvent,
    compatibility: 'FULL',
  }),
  stockLevels: defineTopic({
    name: 'inventory.stock-levels.v1',
    description: 'Current stock per product and warehouse, folded from stock events.',
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'productWarehouse',
    value: Contracts.StockLevel,
  }),
  machinePings: defineTopic({
    name: 'fleet.machine-pings.v1',
    description: 'Raw GPS pings from the telematics gateway, one per machine every few seconds.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 7 * DAY,
    key: 'machineId',
    value: Contracts.MachinePing,
    compatibility: 'FULL',
  }),
  geofences: defineTopic({
    name: 'fleet.geofences.v1',
    description: 'Fields, yards and depots drawn on the map; read whole as a global table.',
    partitions: 3,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'geofenceId',
    value: Contracts.Geofence,
    compatibility: 'FULL',
  }),
  acceptedPings: defineTopic({
    name: 'fleet.accepted-pings.v1',
    description:
      'Pings that passed tracking validation, each once: what ClickHouse ping facts are written from. With the dead letters it accounts for every raw ping.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 7 * DAY,
    key: 'machineId',
    value: Contracts.MachinePing,
  }),
  machinePositions: defineTopic({
    name: 'fleet.machine-positions.v1',
    description: 'Latest position of each machine with the geofences it is in; what the live map shows.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'machineId',
    value: Contracts.MachinePosition,
  }),
  geofenceTransitions: defineTopic({
    name: 'fleet.geofence-transitions.v1',
    description: 'Machines entering and leaving geofences.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'machineId',
    value: Contracts.GeofenceTransition,
  }),
  machineSessions: defineTopic({
    name: 'fleet.machine-sessions.v1',
    description: 'Trips and idle periods of each machine, updated while open and final when closed.',
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'machineId',
    value: Contracts.MachineSession,
  }),
  machines: defineTopic({
    name: 'fleet.machines.v1',
    description:
      'The fleet registry: every machine with its type and, when it is for rent, its rental product and depot; read whole as a global table.',
    partitions: 3,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'machineId',
    value: Contracts.Machine,
    compatibility: 'FULL',
  }),
  bookingCommands: defineTopic({
    name: 'bookings.booking-commands.v1',
    description:
      'Booking requests and cancellations (from the bookings API) and order decisions (from the bookings application), keyed by machine type so one task holds every calendar of a type.',
    // Keyed by machine type: a handful of keys, so a handful of partitions carry them all.
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'machineType',
    value: Contracts.BookingCommand,
    // BACKWARD: both writers (the bookings API and the bookings application) are ours and deploy after
    // the application that reads the topic, as for the payment events.
    compatibility: 'BACKWARD',
  }),
  bookingEvents: defineTopic({
    name: 'bookings.booking-events.v1',
    description:
      "Each booking's steps: requested, machine assigned, confirmed or rejected, cancelled, and the machine's progress on the day (en route, arrived, working, done, late).",
    partitions: 12,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 90 * DAY,
    key: 'bookingId',
    value: Contracts.BookingEvent,
  }),
  notificationPreferences: defineTopic({
    name: 'notifications.preferences.v1',
    description:
      "Each recipient's notification settings (channels, addresses, quiet hours with a time zone), from the account service; read whole as a global table by the notifications application.",
    partitions: 3,
    cleanupPolicy: CLEANUP_POLICIES.COMPACT,
    retentionMs: -1,
    key: 'recipientId',
    value: Contracts.NotificationPreference,
    // FULL: written by the account service, deployed apart from the notifications application.
    compatibility: 'FULL',
  }),
  notificationOutbox: defineTopic({
    name: 'notifications.outbox.v1',
    description:
      "Notifications rendered per recipient and channel and due to be sent, keyed by notification id (the channel provider's idempotency key); the channel worker sends them.",
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'notificationId',
    value: Contracts.Notification,
    // BACKWARD: the notifications application writes it and the channel worker and the views read it,
    // all ours; readers deploy first, as for the payment commands.
    compatibility: 'BACKWARD',
  }),
  notificationDeliveries: defineTopic({
    name: 'notifications.deliveries.v1',
    description:
      'What became of each notification (sent, or failed and dead-lettered), one per notification, from the channel worker.',
    partitions: 6,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 30 * DAY,
    key: 'notificationId',
    value: Contracts.NotificationDelivery,
    // BACKWARD: written by the channel worker, read by the views deployed before it.
    compatibility: 'BACKWARD',
  }),
  ordersDeadLetters: deadLetters('orders'),
  inventoryDeadLetters: deadLetters('inventory'),
  paymentsDeadLetters: deadLetters('payments'),
  fleetDeadLetters: deadLetters('fleet'),
  bookingsDeadLetters: deadLetters('bookings'),
  notificationsDeadLetters: deadLetters('notifications'),
} as const

/** One dead-letter topic per domain: the domain's team owns what its processors could not handle. */
function deadLetters(domain: Domain): TopicSpec<DeadLetter> {
  return defineTopic({
    name: `${domain}.dead-letters.v1`,
    description: `Records the ${domain} processors could not read or process, with their original bytes.`,
    partitions: 3,
    cleanupPolicy: CLEANUP_POLICIES.DELETE,
    retentionMs: 14 * DAY,
    key: 'deadLetter',
    value: Contracts.DeadLetter,
  })
}

export type TopicId = keyof typeof TOPICS

/** Every declared topic, in declaration order. */
export const TOPIC_LIST: readonly TopicSpec[] = Object.values(TOPICS)

/**
 * Topics joined or folded together must be co-partitioned: same key format and partition count, or the
 * records of one key land on different instances.
 */
export const CO_PARTITIONED: readonly (readonly TopicId[])[] = [
  [
    'orderEvents',
    'orderStatus',
    'paymentEvents',
    'orderValidations',
    'orderCommands',
    'paymentCommands',
    'providerNotifications',
  ],
  ['stockEvents', 'stockLevels', 'stockCommands'],
  // A notification's outcome lands on the partition of its notification.
  ['notificationOutbox', 'notificationDeliveries'],
  ['machinePings', 'acceptedPings', 'machinePositions', 'geofenceTransitions', 'machineSessions'],
]

/** Rule violations of a catalogue, one message each; empty when it is sound. */
export function catalogueProblems(
  topics: Readonly<Record<string, TopicSpec>> = TOPICS,
  coPartitioned: readonly (readonly string[])[] = CO_PARTITIONED,
): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  for (const [id, t] of Object.entries(topics)) {
    const match = TOPIC_NAME.exec(t.name)
    if (match === null) problems.push(`${id}: name ${t.name} is not <domain>.<entity>.v<N>`)
    else if (!(DOMAINS as readonly string[]).includes(match.groups?.domain ?? '')) {
      problems.push(`${id}: ${t.name} names no known domain (${DOMAINS.join(', ')})`)
    }
    if (names.has(t.name)) problems.push(`${id}: ${t.name} is declared twice`)
    names.add(t.name)
    if (!Number.isInteger(t.partitions) || t.partitions < 1)
      problems.push(`${t.name}: partitions must be >= 1`)
    if (!Number.isInteger(t.replicationFactor) || t.replicationFactor < 1) {
      problems.push(`${t.name}: replicationFactor must be >= 1`)
    }
    if (t.minInsyncReplicas < 1 || t.minInsyncReplicas > t.replicationFactor) {
      problems.push(`${t.name}: minInsyncReplicas must be between 1 and replicationFactor`)
    }
    if (t.minInsyncReplicas === t.replicationFactor && t.replicationFactor > 1) {
      problems.push(
        `${t.name}: minInsyncReplicas equal to replicationFactor stops writes when one broker is down`,
      )
    }
    if (t.retentionMs !== -1 && (!Number.isInteger(t.retentionMs) || t.retentionMs < 60_000)) {
      problems.push(`${t.name}: retentionMs must be -1 or at least a minute`)
    }
    const reserved = ['cleanup.policy', 'retention.ms', 'min.insync.replicas']
    for (const key of Object.keys(t.config)) {
      if (reserved.includes(key)) problems.push(`${t.name}: ${key} is a field of its own, not config`)
    }
  }
  for (const group of coPartitioned) {
    const specs = group.map((id) => topics[id]).filter((t): t is TopicSpec => t !== undefined)
    if (specs.length !== group.length)
      problems.push(`co-partitioned group ${group.join(', ')} names unknown topics`)
    const first = specs[0]
    for (const t of specs.slice(1)) {
      if (first === undefined) break
      if (t.partitions !== first.partitions) {
        problems.push(
          `${t.name} has ${t.partitions} partitions, ${first.name} ${first.partitions}: they are co-partitioned`,
        )
      }
      if (t.key !== first.key)
        problems.push(`${t.name} and ${first.name} are co-partitioned but keyed differently`)
    }
  }
  return problems
}

/** Throws when the catalogue breaks a rule; the tools call it before touching a cluster or registry. */
export function assertCatalogue(topics: Readonly<Record<string, TopicSpec>> = TOPICS): void {
  const problems = catalogueProblems(topics)
  if (problems.length > 0) {
    throw new TopicsError(
      TOPICS_ERROR_CODES.INVALID_CATALOGUE,
      `the topic catalogue is invalid:\n${problems.join('\n')}`,
    )
  }
}
