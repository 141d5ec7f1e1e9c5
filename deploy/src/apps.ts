import { InMemorySchemaRegistry } from '@oxagry/avro'
import { FLEET, platformModules, platformNames, readConfig } from '@oxagry/main'
import {
  buildTrackingTopology,
  createTrackingSerdes,
  DEFAULT_TRACKING_TOPICS,
  resolveTrackingOptions,
} from '@oxagry/tracking'
import {
  readerApplication,
  sinkApplication,
  streamsApplication,
  topicCreatorApplication,
  type ApplicationEntry,
} from './app-entries.ts'

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

/** Every application of the platform on Kafka, one entry each. */
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
  fleetSink('sink-clickhouse-pings', [FLEET.accepted.name]),
  fleetSink('sink-clickhouse-sessions', [FLEET.sessions.name]),
  fleetSink('sink-read-model', [FLEET.positions.name]),
  readerApplication('fleet-live-view', LIVE_VIEW_CLIENT_ID, [FLEET.positions.name, FLEET.geofences.name]),
  topicCreatorApplication('platform-topics', () =>
    platformModules(readConfig({ SIMULATOR: 'off' })).flatMap((m) => m.topics.map((t) => t.name)),
  ),
]
