import { InMemorySchemaRegistry } from '@oxagry/avro'
import { FLEET, platformModules, platformNames, readConfig } from '@oxagry/main'
import {
  buildTrackingTopology,
  createTrackingSerdes,
  DEFAULT_TRACKING_TOPICS,
  resolveTrackingOptions,
} from '@oxagry/tracking'
import type { KafkaAccess } from './acl/model.ts'
import { readerAccess, topicCreatorAccess } from './acl/reader-access.ts'
import { sinkAccess } from './acl/sink-access.ts'
import { streamsAccess } from './acl/streams-access.ts'

/**
 * One application of the platform on Kafka: its name, and its access computed from its code (a
 * topology's description, a sink's options, the platform's topic list). Adding an application is one
 * entry here; a workload then names the applications it runs.
 */
export interface ApplicationEntry {
  readonly name: string
  access(): Promise<KafkaAccess>
}

/** The platform's names without a prefix: the production cluster holds one platform. */
const names = platformNames()

/** The tracking application's topology, built with throwaway serdes: its shape does not depend on them. */
export async function trackingTopology(): Promise<ReturnType<typeof buildTrackingTopology>> {
  return buildTrackingTopology({ serdes: await trackingSerdes() })
}

function trackingSerdes(): ReturnType<typeof createTrackingSerdes> {
  return createTrackingSerdes(new InMemorySchemaRegistry(), DEFAULT_TRACKING_TOPICS, { autoRegister: true })
}

/** The tracking application's id: the platform's and the standalone service's default are the same. */
export const TRACKING_APPLICATION_ID = names.group('tracking')

/** The API's live views read with this client id (tools/main/src/live-view.ts). */
export const LIVE_VIEW_CLIENT_ID = 'oxagry-api'

function sink(name: string, topics: readonly string[]): ApplicationEntry {
  return {
    name,
    access: async () =>
      sinkAccess(name, { groupId: names.group(name), topics, deadLetterTopic: FLEET.deadLetters.name }),
  }
}

export const APPLICATIONS: readonly ApplicationEntry[] = [
  {
    name: 'tracking',
    access: async () => {
      const serdes = await trackingSerdes()
      return streamsAccess('tracking', {
        applicationId: TRACKING_APPLICATION_ID,
        topology: buildTrackingTopology({ serdes }),
        processingGuarantee: 'exactly_once',
        // startTracking's deserialization error handler writes here (streams/tracking/src/service.ts).
        deadLetterTopics: [resolveTrackingOptions({ serdes }).topics.deadLetters],
      })
    },
  },
  sink('sink-clickhouse-pings', [FLEET.accepted.name]),
  sink('sink-clickhouse-sessions', [FLEET.sessions.name]),
  sink('sink-read-model', [FLEET.positions.name]),
  {
    name: 'fleet-live-view',
    access: async () =>
      readerAccess('fleet-live-view', {
        clientId: LIVE_VIEW_CLIENT_ID,
        topics: [FLEET.positions.name, FLEET.geofences.name],
      }),
  },
  {
    name: 'platform-topics',
    access: async () =>
      topicCreatorAccess(
        'platform-topics',
        platformModules(readConfig({ SIMULATOR: 'off' })).flatMap((m) => m.topics.map((t) => t.name)),
      ),
  },
]
