import { InMemorySchemaRegistry } from '@oxagry/avro'
import type { Topology } from '@oxagry/streams'
import { FLEET, platformNames } from '@oxagry/main'
import {
  COMMERCE,
  COMMERCE_FACTS_SINK,
  COMMERCE_VIEW_SINKS,
  type CommerceSinkSpec,
} from '@oxagry/main/commerce'
import {
  buildTrackingTopology,
  createTrackingSerdes,
  DEFAULT_TRACKING_TOPICS,
  resolveTrackingOptions,
} from '@oxagry/tracking'
import { buildInventoryTopology, createInventorySerdes, resolveInventoryOptions } from '@oxagry/inventory'
import { buildOrdersTopology, createOrdersSerdes, resolveOrdersOptions } from '@oxagry/orders'
import {
  buildNotificationsTopology,
  createNotificationsSerdes,
  resolveNotificationsOptions,
} from '@oxagry/notifications'
import { buildPaymentsTopology, createPaymentsSerdes, resolvePaymentsOptions } from '@oxagry/payments'
import { buildBookingsTopology, createBookingsSerdes, resolveBookingsOptions } from '@oxagry/bookings'
import { TOPICS } from '@oxagry/topics'
import { NO_ACCESS } from './acl/model.ts'
import { apiApplication, sinkApplication, streamsApplication, type ApplicationEntry } from './app-entries.ts'

export type { ApplicationEntry } from './app-entries.ts'

/** The platform's names without a prefix: the production cluster holds one platform. */
const names = platformNames()

function trackingSerdes(): ReturnType<typeof createTrackingSerdes> {
  return createTrackingSerdes(new InMemorySchemaRegistry(), DEFAULT_TRACKING_TOPICS, { autoRegister: true })
}

/** The tracking application's topology, built with throwaway serdes: its shape does not depend on them. */
export async function trackingTopology(): Promise<ReturnType<typeof buildTrackingTopology>> {
  return buildTrackingTopology({ serdes: await trackingSerdes() })
}

/** The tracking application's id: the platform's and the standalone service's default are the same. */
export const TRACKING_APPLICATION_ID = names.group('tracking')

/** The API's live views read with this client id (tools/main/src/live-view.ts). */
export const LIVE_VIEW_CLIENT_ID = 'oxagry-api'

/** A fleet sink as tools/main/src/modules/fleet.ts runs it: group `oxagry-<name>`, fleet dead letters. */
const fleetSink = (name: string, topics: readonly string[]): ApplicationEntry =>
  sinkApplication(name, { groupId: names.group(name), topics, deadLetterTopic: FLEET.deadLetters.name })

/** A commerce sink from the spec tools/main starts it from (tools/main/src/commerce/sinks.ts). */
const commerceSink = (name: string, spec: CommerceSinkSpec): ApplicationEntry =>
  sinkApplication(name, {
    groupId: names.group(spec.group),
    topics: spec.topics.map((key) => COMMERCE[key].name),
    deadLetterTopic: COMMERCE[spec.deadLetters].name,
  })

const memoryRegistry = () => new InMemorySchemaRegistry()

/** A commerce stream application (streams/orders, inventory, payments) from its exported builder. */
const commerceApplication = (
  name: string,
  build: () => Promise<{ topology: Topology; deadLetterTopics: readonly string[] }>,
): ApplicationEntry =>
  streamsApplication(name, { applicationId: names.group(name), processingGuarantee: 'exactly_once', build })

/**
 * The payment gateway worker: its group reads the payment commands; each partition's transactional
 * producer (`<group>-<topic>-<partition>`) writes the payment events, the pending notes, the dead letters
 * and the offsets.
 */
const paymentGateway = (groupId: string): ApplicationEntry => ({
  name: 'payment-gateway',
  access: async () => ({
    ...NO_ACCESS,
    application: 'payment-gateway',
    readTopics: [TOPICS.paymentCommands.name],
    // Pending notes go to the provider notifications, in the same transaction as the command's offset.
    writeTopics: [
      TOPICS.paymentEvents.name,
      TOPICS.paymentsDeadLetters.name,
      TOPICS.providerNotifications.name,
    ],
    groups: [groupId],
    transactionalIdPrefixes: [`${groupId}-`],
  }),
})

/**
 * The notifications' channel worker, on the payment gateway's model: its group reads the outbox; each
 * partition's transactional producer writes the delivery outcomes, the dead letters and the offsets.
 */
const notificationChannels = (groupId: string): ApplicationEntry => ({
  name: 'notification-channels',
  access: async () => ({
    ...NO_ACCESS,
    application: 'notification-channels',
    readTopics: [TOPICS.notificationOutbox.name],
    writeTopics: [TOPICS.notificationDeliveries.name, TOPICS.notificationsDeadLetters.name],
    groups: [groupId],
    transactionalIdPrefixes: [`${groupId}-`],
  }),
})

/** Every application of the platform on Kafka, one entry each: the platform's parts (`PLATFORM_PARTS`). */
export const APPLICATIONS: readonly ApplicationEntry[] = [
  streamsApplication('tracking', {
    applicationId: TRACKING_APPLICATION_ID,
    processingGuarantee: 'exactly_once',
    build: async () => {
      const serdes = await trackingSerdes()
      return {
        topology: buildTrackingTopology({ serdes }),
        // startTracking's deserialization error handler writes here (streams/tracking/src/service.ts).
        deadLetterTopics: [resolveTrackingOptions({ serdes }).topics.deadLetters],
      }
    },
  }),
  commerceApplication('orders', async () => {
    const serdes = await createOrdersSerdes(memoryRegistry(), undefined, { autoRegister: true })
    return {
      topology: buildOrdersTopology({ serdes }),
      deadLetterTopics: [resolveOrdersOptions({ serdes }).topics.deadLetters],
    }
  }),
  commerceApplication('inventory', async () => {
    const serdes = await createInventorySerdes(memoryRegistry(), undefined, { autoRegister: true })
    return {
      topology: buildInventoryTopology({ serdes }),
      deadLetterTopics: [resolveInventoryOptions({ serdes }).topics.deadLetters],
    }
  }),
  commerceApplication('payments', async () => {
    const serdes = await createPaymentsSerdes(memoryRegistry(), undefined, { autoRegister: true })
    return {
      topology: buildPaymentsTopology({ serdes }),
      deadLetterTopics: [resolvePaymentsOptions({ serdes }).topics.deadLetters],
    }
  }),
  commerceApplication('bookings', async () => {
    const serdes = await createBookingsSerdes(memoryRegistry(), undefined, { autoRegister: true })
    return {
      topology: buildBookingsTopology({ serdes }),
      deadLetterTopics: [resolveBookingsOptions({ serdes }).topics.deadLetters],
    }
  }),
  paymentGateway(names.group('payment-gateway')),
  commerceApplication('notifications', async () => {
    const serdes = await createNotificationsSerdes(memoryRegistry(), undefined, { autoRegister: true })
    return {
      topology: buildNotificationsTopology({ serdes }),
      deadLetterTopics: [resolveNotificationsOptions({ serdes }).topics.deadLetters],
    }
  }),
  notificationChannels(names.group('notification-channels')),
  fleetSink('sink-clickhouse-pings', [FLEET.accepted.name]),
  fleetSink('sink-clickhouse-sessions', [FLEET.sessions.name]),
  fleetSink('sink-read-model', [FLEET.positions.name]),
  // The commerce views' sinks (PostgreSQL, MongoDB) and the analysts' commerce facts (ClickHouse).
  ...Object.entries(COMMERCE_VIEW_SINKS).map(([name, spec]) => commerceSink(`sink-${name}`, spec)),
  commerceSink('sink-clickhouse-commerce', COMMERCE_FACTS_SINK),
  // The fleet and commerce APIs: the live views they follow and the topics the commerce API writes.
  apiApplication('api', LIVE_VIEW_CLIENT_ID),
]
