/**
 * What the API reads, as interfaces: the read model (MongoDB or PostgreSQL), ClickHouse for tracks and
 * trips, the geofences, and the live positions feed. The main job and the service wire real ones.
 */

/** A machine's latest known position and state, as the positions topic carries it. */
export interface MachinePosition {
  readonly machineId: string
  readonly eventTime: number
  readonly latitude: number
  readonly longitude: number
  readonly speedKmh: number
  readonly headingDegrees: number | null
  readonly accuracyMeters: number
  readonly engineState: string
  readonly fuelLevelPercent: number | null
  readonly geofenceIds: readonly string[]
  /** What the machine is (TRACTOR, COMBINE...), from the fleet registry, when the platform knows it. */
  readonly machineType?: string
  /** The machine's booking of the moment (today's, or its next), when the platform runs bookings. */
  readonly booking?: LiveBooking
}

/** A machine's booking as the live feed and the map show it. */
export interface LiveBooking {
  readonly bookingId: string
  /** `assigned` (awaiting payment), `booked`, `en-route`, `arrived`, `working`. */
  readonly state: string
  readonly fieldId: string
  /** The field's name, when known: what the late alert names. */
  readonly fieldName?: string
  readonly startsAt: number
  readonly endsAt: number
  /** Not in the field by the booked start plus the grace (the MachineLate alert). */
  readonly late: boolean
}

/** A feed whose positions carry what else the platform knows of each machine (its type, its booking). */
export function annotatedFeed(
  feed: PositionFeed,
  annotate: (position: MachinePosition) => MachinePosition,
): PositionFeed {
  return {
    *latest() {
      for (const position of feed.latest()) yield annotate(position)
    },
    subscribe: (listener) => feed.subscribe((position) => listener(annotate(position))),
  }
}

export const MACHINE_STATUSES = ['moving', 'idle', 'off', 'unknown'] as const
export type MachineStatus = (typeof MACHINE_STATUSES)[number]

export interface BoundingBox {
  readonly minLat: number
  readonly minLon: number
  readonly maxLat: number
  readonly maxLon: number
}

export interface MachinePage {
  readonly machines: readonly MachinePosition[]
  /** Pass back to get the next page; absent on the last page. */
  readonly nextCursor?: string
}

export interface MachineQueries {
  get(machineId: string): Promise<MachinePosition | undefined>
  list(query: {
    status?: MachineStatus
    bbox?: BoundingBox
    limit: number
    cursor?: string
  }): Promise<MachinePage>
}

export interface TrackPoint {
  /** The ping's id: a point's identity, stable across replays and merges. */
  readonly pingId: string
  /** The machine's own counter of the ping. */
  readonly sequence: number
  readonly eventTime: number
  readonly latitude: number
  readonly longitude: number
  readonly speedKmh: number
  readonly headingDegrees: number | null
  readonly engineState: string
}

export interface Trip {
  readonly sessionId: string
  readonly kind: string
  /** Whether the session is still open or closed. */
  readonly state: string
  readonly startedAt: number
  readonly endedAt: number
  readonly distanceMeters: number
  readonly maxSpeedKmh: number
  readonly startLatitude: number
  readonly startLongitude: number
  readonly endLatitude: number
  readonly endLongitude: number
  readonly pingCount: number
  /** Fuel used over the session, in percent of the tank, when the machine reports fuel. */
  readonly fuelUsedPercent: number | null
}

export interface HistoryQueries {
  track(machineId: string, from: number, to: number, limit: number): Promise<TrackPoint[]>
  trips(machineId: string, from: number, to: number, limit: number): Promise<Trip[]>
}

export interface Geofence {
  readonly geofenceId: string
  readonly name: string
  readonly kind: string
  readonly boundary: readonly { readonly latitude: number; readonly longitude: number }[]
}

export interface GeofenceQueries {
  list(): Promise<Geofence[]>
}

/** The live positions, fed from the positions topic whatever store the read model uses. */
export interface PositionFeed {
  /** The latest position of every machine seen so far: the snapshot for new subscribers. */
  latest(): Iterable<MachinePosition>
  subscribe(listener: (position: MachinePosition) => void): () => void
}

export type { Readiness } from '@oxagry/api-http'

/**
 * Derived status, the read model's rule: moving at 1 km/h or more whatever the engine reports (a
 * stale engine reading must not park a moving machine), else by engine state.
 */
export function statusOf(position: Pick<MachinePosition, 'engineState' | 'speedKmh'>): MachineStatus {
  if (position.speedKmh >= 1) return 'moving'
  switch (position.engineState) {
    case 'OFF':
      return 'off'
    case 'IDLE':
    case 'RUNNING':
      return 'idle'
    default:
      return 'unknown'
  }
}

export function inBox(position: Pick<MachinePosition, 'latitude' | 'longitude'>, box: BoundingBox): boolean {
  return (
    position.latitude >= box.minLat &&
    position.latitude <= box.maxLat &&
    position.longitude >= box.minLon &&
    position.longitude <= box.maxLon
  )
}
