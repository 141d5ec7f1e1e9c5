import { TOPICS } from '@oxagry/topics'

/** The catalogue's fleet topics, as the main job reads and writes them. */
export const FLEET = {
  pings: TOPICS.machinePings,
  accepted: TOPICS.acceptedPings,
  geofences: TOPICS.geofences,
  positions: TOPICS.machinePositions,
  transitions: TOPICS.geofenceTransitions,
  sessions: TOPICS.machineSessions,
  deadLetters: TOPICS.fleetDeadLetters,
} as const

export interface PlatformNames {
  /** The fleet's topics under the prefix. */
  readonly topics: Readonly<Record<keyof typeof FLEET, string>>
  /** Any catalogue topic's name under the prefix. */
  topic(name: string): string
  /** An application id or consumer group: `tracking`, `sink-read-model`, ... under the prefix. */
  group(name: string): string
  readonly mongoDatabase: string
}

/**
 * What the main job calls its topics, consumer groups and MongoDB database, under `TOPIC_PREFIX` when
 * one is set: the one place tests and benchmarks that drive a prefixed platform learn them from.
 */
export function platformNames(topicPrefix?: string): PlatformNames {
  const topic = (name: string): string => (topicPrefix === undefined ? name : `${topicPrefix}.${name}`)
  return {
    topics: Object.fromEntries(Object.entries(FLEET).map(([k, t]) => [k, topic(t.name)])) as Record<
      keyof typeof FLEET,
      string
    >,
    topic,
    group: (name) => `${topicPrefix ?? 'oxagry'}-${name}`,
    mongoDatabase: topicPrefix === undefined ? 'oxagry' : `oxagry_${topicPrefix.replaceAll('-', '_')}`,
  }
}
