import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { DEFAULT_TRACKING_TOPICS, type TrackingSerdes, type TrackingTopics } from './options.ts'

/**
 * Avro serdes for every topic, each warmed on its topic, so they answer synchronously (the test
 * driver needs that; the runtime merely saves the round trips). Data written with another registered
 * schema still needs one registry lookup, which the runtime awaits.
 */
export async function createTrackingSerdes(
  registry: SchemaRegistryClient,
  topics: TrackingTopics = DEFAULT_TRACKING_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<TrackingSerdes> {
  const autoRegister = options.autoRegister ?? false
  const [ping, geofence, position, transition, session, deadLetter] = await Promise.all([
    // One serde for raw and accepted pings: the same contract, each topic's subject warmed.
    createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.MachinePing,
      topics: [topics.pings, topics.accepted],
    }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.Geofence, topics: [topics.geofences] }),
    createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.MachinePosition,
      topics: [topics.positions],
    }),
    createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.GeofenceTransition,
      topics: [topics.transitions],
    }),
    createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.MachineSession,
      topics: [topics.sessions],
    }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.DeadLetter, topics: [topics.deadLetters] }),
  ])
  return { ping, geofence, position, transition, session, deadLetter }
}
