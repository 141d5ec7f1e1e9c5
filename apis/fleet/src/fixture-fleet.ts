/**
 * A fleet that moves by formula, for the map's browser test and the fixture server: fields in a grid
 * around Ames, a yard, and machines driving loops over them, some crossing a field's edge (geofence
 * exits), some parked. Its tracks and trips follow the same formula, so a machine's trail ends where its
 * marker is. Deterministic for a given size and time.
 */
import type { Geofence, HistoryQueries, MachinePosition, TrackPoint, Trip } from './ports.ts'

/** The simulator's model prefixes: the map derives a machine's type from them. */
const MODELS = ['JD-8R', 'CASE-MX', 'NH-T7', 'FENDT-942', 'CLAAS-LEX', 'JD-S790'] as const
const ORIGIN = { latitude: 41.88, longitude: -93.66 }
const FIELD_SPAN = { latitude: 0.006, longitude: 0.008 }
const GRID = { rows: 5, columns: 6 }
/** One loop takes this long: a machine at ~15 km/h on a loop of ~0.5 km radius. */
const LOOP_MS = 12 * 60_000
const TRACK_STEP_MS = 10_000
/** Every BOOKED_EVERY-th machine has a booking; a quarter of those turn late and back every LATE_FLIP_MS. */
const BOOKED_EVERY = 13
const LATE_FLIP_MS = 20_000

interface Loop {
  readonly machineId: string
  readonly centre: { latitude: number; longitude: number }
  readonly radius: { latitude: number; longitude: number }
  readonly phase: number
  /** Parked machines stand still: idle with the engine on, or off. */
  readonly parked: 'IDLE' | 'OFF' | null
  /** Laps per LOOP_MS, signed: the direction it drives. */
  readonly laps: number
}

export class FixtureFleet {
  readonly geofences: readonly Geofence[]
  private readonly loops: readonly Loop[]

  constructor(readonly size: number) {
    const fields: Geofence[] = []
    for (let row = 0; row < GRID.rows; row++)
      for (let column = 0; column < GRID.columns; column++) {
        const south = ORIGIN.latitude + row * FIELD_SPAN.latitude * 1.25
        const west = ORIGIN.longitude + column * FIELD_SPAN.longitude * 1.25
        fields.push(
          rectangle(`F-${row}-${column}`, `Field ${row * GRID.columns + column + 1}`, 'FIELD', south, west),
        )
      }
    const yard = rectangle('Y-1', 'Home yard', 'YARD', ORIGIN.latitude - 0.004, ORIGIN.longitude - 0.004, 0.4)
    this.geofences = [...fields, yard]
    this.loops = Array.from({ length: size }, (_, i) => {
      const field = fields[i % fields.length] as Geofence
      const [sw, , ne] = field.boundary as [Corner, Corner, Corner, Corner]
      // Every seventh machine drives a loop wider than its field: it leaves it and comes back.
      const reach = i % 7 === 0 ? 0.65 : 0.15 + ((i * 37) % 30) / 100
      return {
        machineId: `${MODELS[i % MODELS.length] as string}-${String(i + 1).padStart(5, '0')}`,
        centre: { latitude: (sw.latitude + ne.latitude) / 2, longitude: (sw.longitude + ne.longitude) / 2 },
        radius: { latitude: FIELD_SPAN.latitude * reach, longitude: FIELD_SPAN.longitude * reach },
        phase: (i * 2.399) % (2 * Math.PI),
        parked: i % 11 === 3 ? 'OFF' : i % 11 === 5 ? 'IDLE' : null,
        laps: i % 2 === 0 ? 1 : -1,
      }
    })
  }

  /** Every machine's position at `now`. */
  positions(now: number): MachinePosition[] {
    return this.loops.map((loop) => this.positionOf(loop, now))
  }

  /** Tracks every 10 s along the loop, and a trip per hour of the range (the last one open). */
  readonly history: HistoryQueries = {
    track: async (machineId, from, to, limit) => {
      const loop = this.loops.find((l) => l.machineId === machineId)
      if (loop === undefined) return []
      const points: TrackPoint[] = []
      const end = Math.min(to, Date.now())
      for (
        let t = Math.ceil(from / TRACK_STEP_MS) * TRACK_STEP_MS;
        t < end && points.length < limit;
        t += TRACK_STEP_MS
      ) {
        const p = this.positionOf(loop, t)
        points.push({
          pingId: `00000000-0000-4000-8000-${String(points.length).padStart(12, '0')}`,
          sequence: Math.floor(t / TRACK_STEP_MS),
          eventTime: t,
          latitude: p.latitude,
          longitude: p.longitude,
          speedKmh: p.speedKmh,
          headingDegrees: p.headingDegrees,
          engineState: p.engineState,
        })
      }
      return points
    },
    trips: async (machineId, from, to, limit) => {
      const loop = this.loops.find((l) => l.machineId === machineId)
      if (loop === undefined || loop.parked !== null) return []
      const trips: Trip[] = []
      const end = Math.min(to, Date.now())
      for (let start = from; start + 45 * 60_000 <= end && trips.length < limit; start += 3_600_000) {
        const a = this.positionOf(loop, start)
        const b = this.positionOf(loop, start + 45 * 60_000)
        trips.push({
          sessionId: `${machineId}-${start}`,
          kind: 'TRIP',
          state: 'CLOSED',
          startedAt: start,
          endedAt: start + 45 * 60_000,
          distanceMeters: 11_000,
          maxSpeedKmh: 17,
          startLatitude: a.latitude,
          startLongitude: a.longitude,
          endLatitude: b.latitude,
          endLongitude: b.longitude,
          pingCount: 270,
          fuelUsedPercent: 4,
        })
      }
      return trips
    },
  }

  private positionOf(loop: Loop, now: number): MachinePosition {
    const angle = loop.parked === null ? loop.phase + (loop.laps * 2 * Math.PI * now) / LOOP_MS : loop.phase
    const latitude = loop.centre.latitude + loop.radius.latitude * Math.sin(angle)
    const longitude = loop.centre.longitude + loop.radius.longitude * Math.cos(angle)
    // The direction of travel: the derivative of the loop, north-up, clockwise degrees.
    const north = loop.laps * loop.radius.latitude * Math.cos(angle)
    const east = -loop.laps * loop.radius.longitude * Math.sin(angle) * Math.cos((latitude * Math.PI) / 180)
    const heading = ((Math.atan2(east, north) * 180) / Math.PI + 360) % 360
    return {
      machineId: loop.machineId,
      eventTime: now,
      latitude,
      longitude,
      speedKmh: loop.parked === null ? 15 : 0,
      headingDegrees: loop.parked === null ? Math.round(heading) : null,
      accuracyMeters: 3,
      engineState: loop.parked ?? 'RUNNING',
      fuelLevelPercent: 100 - (Number(loop.machineId.slice(-5)) % 97),
      geofenceIds: this.geofences.filter((g) => inside(g, latitude, longitude)).map((g) => g.geofenceId),
      ...this.bookingOf(loop, now),
    }
  }

  /**
   * Some machines are booked, as the platform's feed says it: working when they move, else booked. A
   * quarter of them are late on and off, so the map raises late alerts while it runs.
   */
  private bookingOf(loop: Loop, now: number): Pick<MachinePosition, 'booking'> {
    const n = Number(loop.machineId.slice(-5))
    if (n % BOOKED_EVERY !== 0) return {}
    const field = this.geofences[n % (this.geofences.length - 1)] as Geofence
    const late = n % (4 * BOOKED_EVERY) === 0 && Math.floor(now / LATE_FLIP_MS) % 2 === 1
    const day = Math.floor(now / 86_400_000) * 86_400_000
    return {
      booking: {
        bookingId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        state: loop.parked === null ? 'working' : 'booked',
        fieldId: field.geofenceId,
        fieldName: field.name,
        startsAt: day + 7 * 3_600_000,
        endsAt: day + 86_400_000,
        late,
      },
    }
  }
}

type Corner = { readonly latitude: number; readonly longitude: number }

function rectangle(id: string, name: string, kind: string, south: number, west: number, scale = 1): Geofence {
  const north = south + FIELD_SPAN.latitude * scale
  const east = west + FIELD_SPAN.longitude * scale
  return {
    geofenceId: id,
    name,
    kind,
    boundary: [
      { latitude: south, longitude: west },
      { latitude: south, longitude: east },
      { latitude: north, longitude: east },
      { latitude: north, longitude: west },
    ],
  }
}

/** Inside the box of the geofence's corners: every fixture geofence is an axis-aligned rectangle. */
function inside(geofence: Geofence, latitude: number, longitude: number): boolean {
  const lats = geofence.boundary.map((p) => p.latitude)
  const lons = geofence.boundary.map((p) => p.longitude)
  return (
    latitude >= Math.min(...lats) &&
    latitude <= Math.max(...lats) &&
    longitude >= Math.min(...lons) &&
    longitude <= Math.max(...lons)
  )
}
