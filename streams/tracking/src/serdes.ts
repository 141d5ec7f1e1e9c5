import type { SchemaRegistryClient } from '@oxagry/avro'
import { createTopicDescriptors } from '@oxagry/topics'
import {
  DEFAULT_TRACKING_TOPICS,
  TRACKING_TOPICS,
  type TrackingSerdes,
  type TrackingTopics,
} from './options.ts'

/**
 * Avro serdes for every topic, each warmed on its topic, so they answer synchronously (the test
 * driver needs that; the runtime merely saves the round trips). Data written with another registered
 * schema still needs one registry lookup, which the runtime awaits. The catalogue says which contract
 * each topic holds; raw and accepted pings share one serde.
 */
export async function createTrackingSerdes(
  registry: SchemaRegistryClient,
  topics: Partial<TrackingTopics> = DEFAULT_TRACKING_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<TrackingSerdes> {
  const t = await createTopicDescriptors(registry, TRACKING_TOPICS, { names: topics, ...options })
  return {
    ping: t.pings.valueSerde,
    geofence: t.geofences.valueSerde,
    position: t.positions.valueSerde,
    transition: t.transitions.valueSerde,
    session: t.sessions.valueSerde,
    deadLetter: t.deadLetters.valueSerde,
  }
}
