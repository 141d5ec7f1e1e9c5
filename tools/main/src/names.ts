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

/** The main job's consumer groups: the tracking application's id and one per sink. */
export type PlatformGroup =
  'tracking' | 'sink-clickhouse-pings' | 'sink-clickhouse-sessions' | 'sink-read-model'

export interface PlatformNames {
  readonly topics: Readonly<Record<keyof typeof FLEET, string>>
  group(name: PlatformGroup): string
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
    group: (name) => `${topicPrefix ?? 'oxagry'}-${name}`,
    mongoDatabase: topicPrefix === undefined ? 'oxagry' : `oxagry_${topicPrefix.replaceAll('-', '_')}`,
  }
}
