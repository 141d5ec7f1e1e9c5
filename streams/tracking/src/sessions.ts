import type { MachineId, MachinePing, MachineSession, SessionKind } from '@oxagry/avro'
import { haversineMeters } from './geo.ts'
import { nameUuid } from './ids.ts'

/** What a session window folds per machine and activity; kept in the session store as JSON. */
export interface SessionAggregate {
  readonly machineId: MachineId
  readonly kind: SessionKind
  readonly startedAt: number
  readonly endedAt: number
  readonly startLatitude: number
  readonly startLongitude: number
  readonly endLatitude: number
  readonly endLongitude: number
  readonly distanceMeters: number
  readonly maxSpeedKmh: number
  readonly pingCount: number
  readonly startFuel: number | null
  readonly endFuel: number | null
}

/**
 * The activity a fix belongs to: moving is a trip, engine on while standing is an idle period, and an
 * engine that is off belongs to neither. UNKNOWN engines count as running: the fix shows them standing
 * or moving, which is what the session is about.
 */
export function activityOf(ping: MachinePing, movingSpeedKmh: number): SessionKind | undefined {
  if (ping.speedKmh >= movingSpeedKmh) return 'TRIP'
  return ping.engineState === 'OFF' ? undefined : 'IDLE'
}

const point = (latitude: number, longitude: number) => ({ latitude, longitude })

/**
 * Folds a fix in. Distance grows at the ends only: a fix inside the session's span (out of order) is
 * counted but adds no distance, which undercounts a detour by one fix rather than zig-zagging.
 */
export function addPing(
  agg: SessionAggregate | null,
  ping: MachinePing,
  kind: SessionKind,
): SessionAggregate {
  const moves = kind === 'TRIP'
  if (agg === null) {
    return {
      machineId: ping.machineId,
      kind,
      startedAt: ping.eventTime,
      endedAt: ping.eventTime,
      startLatitude: ping.latitude,
      startLongitude: ping.longitude,
      endLatitude: ping.latitude,
      endLongitude: ping.longitude,
      distanceMeters: 0,
      maxSpeedKmh: ping.speedKmh,
      pingCount: 1,
      startFuel: ping.fuelLevelPercent,
      endFuel: ping.fuelLevelPercent,
    }
  }
  const base = { ...agg, maxSpeedKmh: Math.max(agg.maxSpeedKmh, ping.speedKmh), pingCount: agg.pingCount + 1 }
  const here = point(ping.latitude, ping.longitude)
  if (ping.eventTime >= agg.endedAt) {
    return {
      ...base,
      endedAt: ping.eventTime,
      endLatitude: ping.latitude,
      endLongitude: ping.longitude,
      endFuel: ping.fuelLevelPercent ?? agg.endFuel,
      distanceMeters:
        agg.distanceMeters + (moves ? haversineMeters(point(agg.endLatitude, agg.endLongitude), here) : 0),
    }
  }
  if (ping.eventTime < agg.startedAt) {
    return {
      ...base,
      startedAt: ping.eventTime,
      startLatitude: ping.latitude,
      startLongitude: ping.longitude,
      startFuel: ping.fuelLevelPercent ?? agg.startFuel,
      distanceMeters:
        agg.distanceMeters +
        (moves ? haversineMeters(here, point(agg.startLatitude, agg.startLongitude)) : 0),
    }
  }
  return base
}

/** Joins two sessions a fix has bridged; the gap between them counts as one straight leg. */
export function mergeSessions(
  a: SessionAggregate | null,
  b: SessionAggregate | null,
): SessionAggregate | null {
  if (a === null) return b
  if (b === null) return a
  const [first, second] = a.startedAt <= b.startedAt ? [a, b] : [b, a]
  const later = second.endedAt >= first.endedAt ? second : first
  const bridge =
    first.kind === 'TRIP'
      ? haversineMeters(
          point(first.endLatitude, first.endLongitude),
          point(second.startLatitude, second.startLongitude),
        )
      : 0
  return {
    ...first,
    endedAt: later.endedAt,
    endLatitude: later.endLatitude,
    endLongitude: later.endLongitude,
    endFuel: later.endFuel ?? first.endFuel,
    distanceMeters: first.distanceMeters + second.distanceMeters + bridge,
    maxSpeedKmh: Math.max(first.maxSpeedKmh, second.maxSpeedKmh),
    pingCount: first.pingCount + second.pingCount,
  }
}

/** The closed session as its contract spells it; the id depends only on machine, kind and start. */
export function toMachineSession(agg: SessionAggregate): MachineSession {
  return {
    sessionId: nameUuid(`session:${agg.machineId}:${agg.kind}:${agg.startedAt}`),
    machineId: agg.machineId,
    kind: agg.kind,
    state: 'CLOSED',
    startedAt: agg.startedAt,
    endedAt: agg.endedAt,
    startLatitude: agg.startLatitude,
    startLongitude: agg.startLongitude,
    endLatitude: agg.endLatitude,
    endLongitude: agg.endLongitude,
    distanceMeters: agg.kind === 'TRIP' ? agg.distanceMeters : 0,
    maxSpeedKmh: agg.maxSpeedKmh,
    pingCount: agg.pingCount,
    fuelUsedPercent:
      agg.startFuel === null || agg.endFuel === null ? null : Math.max(0, agg.startFuel - agg.endFuel),
  }
}
