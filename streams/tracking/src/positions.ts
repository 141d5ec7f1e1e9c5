import type { Geofence, GeofenceId, GeofenceTransition, MachinePing, MachinePosition } from '@oxagry/avro'
import type { KeyValueStore } from '@oxagry/streams'
import { boundingBox, inBox, pointInPolygon, type BoundingBox } from './geo.ts'
import { nameUuid } from './ids.ts'

/** A position that moved forward, with the geofence membership it changed. */
export interface PositionUpdate {
  readonly position: MachinePosition
  readonly entered: readonly GeofenceId[]
  readonly exited: readonly GeofenceId[]
  readonly ping: MachinePing
}

/** Whether a fix is newer than the position: event time first, the unit's sequence on a tie. */
export function isNewer(ping: MachinePing, position: MachinePosition | undefined): boolean {
  if (position === undefined) return true
  if (ping.eventTime !== position.eventTime) return ping.eventTime > position.eventTime
  return ping.sequence > position.lastSequence
}

// Boxes per decoded geofence object: a global-table update replaces the object, so the cache follows it.
const boxes = new WeakMap<Geofence, BoundingBox>()

/** The active geofences containing the fix, sorted: a scan with a bounding-box test first. */
export function geofencesAt(geofences: KeyValueStore<string, Geofence>, ping: MachinePing): GeofenceId[] {
  const ids: GeofenceId[] = []
  for (const { value } of geofences.all()) {
    if (!value.active || value.boundary.length < 3) continue
    let box = boxes.get(value)
    if (box === undefined) {
      box = boundingBox(value.boundary)
      boxes.set(value, box)
    }
    if (inBox(box, ping) && pointInPolygon(value.boundary, ping)) ids.push(value.geofenceId)
  }
  return ids.sort()
}

/**
 * The next position, or undefined when the fix is older than the one held: late and out-of-order fixes
 * are valid history (sessions use them) but never move the machine back on the map.
 */
export function nextPosition(
  previous: MachinePosition | undefined,
  ping: MachinePing,
  geofenceIds: GeofenceId[],
): PositionUpdate | undefined {
  if (!isNewer(ping, previous)) return undefined
  const before = new Set(previous?.geofenceIds ?? [])
  const after = new Set(geofenceIds)
  return {
    position: {
      machineId: ping.machineId,
      eventTime: ping.eventTime,
      latitude: ping.latitude,
      longitude: ping.longitude,
      speedKmh: ping.speedKmh,
      headingDegrees: ping.headingDegrees,
      accuracyMeters: ping.accuracyMeters,
      engineState: ping.engineState,
      fuelLevelPercent: ping.fuelLevelPercent,
      lastPingId: ping.pingId,
      lastSequence: ping.sequence,
      geofenceIds,
    },
    // A machine seen for the first time inside a field enters it: there was no earlier membership.
    entered: geofenceIds.filter((id) => !before.has(id)),
    exited: [...before].filter((id) => !after.has(id)).sort(),
    ping,
  }
}

export function transitionsOf(update: PositionUpdate): GeofenceTransition[] {
  const { ping } = update
  const make = (geofenceId: GeofenceId, direction: 'ENTERED' | 'EXITED'): GeofenceTransition => ({
    transitionId: nameUuid(`transition:${ping.pingId}:${geofenceId}`),
    machineId: ping.machineId,
    geofenceId,
    direction,
    eventTime: ping.eventTime,
    latitude: ping.latitude,
    longitude: ping.longitude,
    pingId: ping.pingId,
  })
  return [
    ...update.exited.map((id) => make(id, 'EXITED')),
    ...update.entered.map((id) => make(id, 'ENTERED')),
  ]
}
