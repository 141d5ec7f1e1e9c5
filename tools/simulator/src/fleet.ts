import type { EngineState, Geofence, MachineId, MachinePing } from '@oxagry/avro'
import { destination, distance, planeBearing, verticalExtent, type LocalPoint } from './geo.ts'
import { resolveFleetOptions, type FleetOptions, type ResolvedFleetOptions } from './options.ts'
import { createRandom, deriveSeed, type Random } from './random.ts'
import { buildRegion, regionGeofences, roadRoute, type Area, type Region } from './region.ts'

/** What an emitted ping is, so a test can account for each one downstream. */
export const PingKind = {
  /** A true fix, sent in order. */
  VALID: 'valid',
  /** A true fix sent minutes after it was taken: valid. */
  LATE: 'late',
  /** A true fix sent after its successor: valid. */
  OUT_OF_ORDER: 'outOfOrder',
  /** A second copy of a fix already sent (same pingId): to be rejected. */
  DUPLICATE: 'duplicate',
  /** A fix far from the machine: to be rejected. */
  GPS_JUMP: 'gpsJump',
  /** Coordinates outside WGS 84: to be rejected. */
  OUT_OF_RANGE: 'outOfRange',
} as const
export type PingKind = (typeof PingKind)[keyof typeof PingKind]

/** Kinds a correct validator accepts, and those it must dead-letter. */
export const ACCEPTED_KINDS: readonly PingKind[] = ['valid', 'late', 'outOfOrder']
export const REJECTED_KINDS: readonly PingKind[] = ['duplicate', 'gpsJump', 'outOfRange']

export interface EmittedPing {
  readonly ping: MachinePing
  readonly kind: PingKind
  /** Simulated time the unit sent it: the Kafka record timestamp. */
  readonly emittedAt: number
}

export type PingCounts = Record<PingKind, number>

export interface Fleet {
  readonly options: ResolvedFleetOptions
  readonly region: Region
  readonly machineIds: readonly MachineId[]
  /** Milliseconds between two pings of one machine. */
  readonly intervalMs: number
  /** Every ping due up to `nowMs` (simulated time), ordered by send time then machine. */
  tick(nowMs: number): EmittedPing[]
  /** What was emitted so far, by kind. */
  counts(): PingCounts
  /** The fields and yards, to publish before the pings. */
  geofences(updatedAt: number): Geofence[]
  /**
   * Sends a machine to work a field (a booking's fulfilment): it waits, leaves in time to enter the field
   * at `arriveAt` (simulated time), works it in `passes` passes, and drives back to its yard. Whatever it
   * was doing is dropped. False when the machine or the field is unknown, or the fleet has not started.
   */
  dispatch(machineId: string, fieldId: string, arriveAt: number, passes?: number): boolean
}

/** The makes and models the simulated fleet cycles through, in this order (machine i is MODELS[i % 6]). */
export const MODELS = ['JD-8R', 'CASE-MX', 'NH-T7', 'FENDT-942', 'CLAAS-LEX', 'JD-S790'] as const

const KMH = 1 / 3.6
/** Implement width: the distance between two passes, metres. */
const PASS_SPACING_M = 12
/** Late pings are held back this long, ms: within the tracking session grace. */
const LATE_MIN_MS = 60_000
const LATE_MAX_MS = 240_000
/** The validator compares a ping with the machine's newest accepted one at this speed, km/h. */
const JUMP_REFERENCE_SPEED_MS = 200 * KMH

type Leg =
  | { readonly kind: 'move'; readonly path: LocalPoint[]; readonly speedMs: number }
  | { readonly kind: 'stay'; remainingS: number; readonly engine: 'IDLE' | 'OFF' }

interface Machine {
  readonly index: number
  readonly id: MachineId
  readonly random: Random
  readonly home: Area
  pos: LocalPoint
  heading: number
  legs: Leg[]
  lastAt: number
  nextAt: number
  sequence: number
  fuel: number | null
  /** A fix held to be sent after the next one (out of order). */
  held: MachinePing | undefined
  /** Fixes held back, with the time they are sent. */
  late: { ping: MachinePing; dueAt: number }[]
  /** Recently sent true fixes, the pool duplicates are copied from. */
  recent: MachinePing[]
}

/** The id of the simulated fleet's i-th machine (from 0): its model and its number, `JD-8R-00001`. */
export function machineIdOf(i: number): MachineId {
  return `${MODELS[i % MODELS.length] as string}-${String(i + 1).padStart(5, '0')}` as MachineId
}

function centre(a: Area): LocalPoint {
  return { x: (a.minX + a.maxX) / 2, y: (a.minY + a.maxY) / 2 }
}

function fieldWork(random: Random, field: Area): LocalPoint[] {
  const lanes = Math.max(1, Math.floor((field.maxX - field.minX - 2 * PASS_SPACING_M) / PASS_SPACING_M))
  const passes = random.int(2, 5)
  const first = random.int(0, Math.max(0, lanes - passes))
  const path: LocalPoint[] = []
  for (let i = 0; i < passes; i++) {
    const x = field.minX + PASS_SPACING_M * (first + i + 1)
    const extent = verticalExtent(field.ring, x) ?? [field.minY, field.maxY]
    const low = extent[0] + 8
    const high = extent[1] - 8
    if (i % 2 === 0) path.push({ x, y: low }, { x, y: high })
    else path.push({ x, y: high }, { x, y: low })
  }
  return path
}

/** The length of a path from `from`, in metres. */
function pathLength(from: LocalPoint, path: readonly LocalPoint[]): number {
  let total = 0
  let at = from
  for (const p of path) {
    total += distance(at, p)
    at = p
  }
  return total
}

/** A booked job: wait, drive to the field to enter it at `arriveAt`, work it, drive home. */
function dispatchLegs(m: Machine, region: Region, field: Area, arriveAt: number, passes: number): Leg[] {
  const r = m.random
  const work = fieldWork(r, field).slice(0, 2 * passes)
  while (work.length < 2 * passes) work.push(...fieldWork(r, field))
  const entry = work[0] as LocalPoint
  const route = roadRoute(region, m.pos, entry)
  const roadSpeed = r.between(28, 40) * KMH
  const waitS = Math.max(0, (arriveAt - m.lastAt) / 1000 - pathLength(m.pos, route) / roadSpeed)
  const last = work[2 * passes - 1] as LocalPoint
  return [
    { kind: 'stay', remainingS: waitS, engine: 'OFF' },
    { kind: 'move', path: route, speedMs: roadSpeed },
    { kind: 'move', path: work.slice(1, 2 * passes), speedMs: r.between(7, 14) * KMH },
    { kind: 'move', path: roadRoute(region, last, centre(m.home)), speedMs: roadSpeed },
    { kind: 'stay', remainingS: r.between(60, 180), engine: 'IDLE' },
  ]
}

/** The machine's next working day chunk: out of the yard, work a field, maybe wait, come back. */
function plan(m: Machine, region: Region): Leg[] {
  const r = m.random
  const homeCentre = centre(m.home)
  const nearby = region.fields.filter((f) => distance(centre(f), homeCentre) < 2600)
  const field = r.pick(nearby.length > 0 ? nearby : region.fields)
  const work = fieldWork(r, field)
  const entry = work[0] as LocalPoint
  const legs: Leg[] = [
    { kind: 'stay', remainingS: r.between(180, 900), engine: 'OFF' },
    { kind: 'stay', remainingS: r.between(60, 180), engine: 'IDLE' },
    { kind: 'move', path: roadRoute(region, homeCentre, entry), speedMs: r.between(28, 40) * KMH },
    { kind: 'move', path: work.slice(1), speedMs: r.between(7, 14) * KMH },
  ]
  const last = work[work.length - 1] as LocalPoint
  // Waiting at the headland for the grain cart or the sprayer's refill.
  if (r.chance(0.35)) legs.push({ kind: 'stay', remainingS: r.between(60, 300), engine: 'IDLE' })
  legs.push(
    { kind: 'move', path: roadRoute(region, last, homeCentre), speedMs: r.between(28, 40) * KMH },
    { kind: 'stay', remainingS: r.between(60, 180), engine: 'IDLE' },
  )
  return legs
}

/** Moves the machine along its legs for `seconds`; returns the leg it is in at the end. */
function advance(m: Machine, region: Region, seconds: number): Leg {
  let left = seconds
  for (;;) {
    let leg = m.legs[0]
    if (leg === undefined) {
      m.legs = plan(m, region)
      leg = m.legs[0] as Leg
    }
    if (leg.kind === 'stay') {
      if (leg.remainingS > left) {
        leg.remainingS -= left
        return leg
      }
      left -= leg.remainingS
      m.legs.shift()
      continue
    }
    const target = leg.path[0]
    if (target === undefined) {
      m.legs.shift()
      continue
    }
    const d = distance(m.pos, target)
    const reach = leg.speedMs * left
    if (d > reach) {
      m.heading = planeBearing(m.pos, target)
      m.pos = {
        x: m.pos.x + ((target.x - m.pos.x) * reach) / d,
        y: m.pos.y + ((target.y - m.pos.y) * reach) / d,
      }
      return leg
    }
    if (d > 0) m.heading = planeBearing(m.pos, target)
    m.pos = target
    left -= d / leg.speedMs
    leg.path.shift()
    if (left <= 0) return leg
  }
}

const FUEL_USE_PER_S = { move: 0.0025, IDLE: 0.0004, OFF: 0 } as const

function truePing(m: Machine, region: Region, at: number): MachinePing {
  const r = m.random
  const leg = advance(m, region, Math.max(0, (at - m.lastAt) / 1000))
  const seconds = Math.max(0, (at - m.lastAt) / 1000)
  m.lastAt = at
  const moving = leg.kind === 'move'
  const engine: EngineState = moving ? 'RUNNING' : leg.engine
  if (m.fuel !== null) {
    m.fuel = Math.max(0, m.fuel - seconds * FUEL_USE_PER_S[moving ? 'move' : leg.engine])
    if (m.fuel < 15 && !moving) m.fuel = 100
  }
  const accuracy = r.between(1.5, 4)
  const noisy = { x: m.pos.x + (r.gaussian() * accuracy) / 2, y: m.pos.y + (r.gaussian() * accuracy) / 2 }
  const geo = region.projection.toGeo(noisy)
  m.sequence++
  return {
    pingId: r.uuid(),
    machineId: m.id,
    sequence: m.sequence,
    eventTime: at,
    latitude: geo.latitude,
    longitude: geo.longitude,
    speedKmh: moving ? Math.max(0.5, leg.speedMs * 3.6 + r.gaussian() * 0.3) : 0,
    headingDegrees: moving ? (m.heading + r.gaussian() + 360) % 360 : null,
    accuracyMeters: accuracy,
    engineState: engine,
    fuelLevelPercent: m.fuel === null ? null : Math.round(m.fuel * 10) / 10,
  }
}

/** Sequences of a life start this far above the last's: more pings than one machine sends in a life. */
export const SEQUENCE_STRIDE = 1_000_000_000
/** Where the PRNG streams of later lives start, clear of the machines' own streams (one per machine). */
const LIFE_STREAMS = 1_000_000

const OUT_OF_RANGE: readonly Partial<Pick<MachinePing, 'latitude' | 'longitude'>>[] = [
  { latitude: 95 },
  { latitude: -91.5 },
  { longitude: 200 },
  { longitude: -181 },
  { latitude: 90.0001, longitude: 360 },
]

/**
 * A fleet of machines on farm fields. Pure: no clock, no I/O, no Math.random. Each machine draws from
 * its own PRNG stream, so the pings do not depend on how time is cut into ticks.
 */
export function createFleet(options: FleetOptions = {}): Fleet {
  const resolved = resolveFleetOptions(options)
  const region = buildRegion({
    origin: { latitude: resolved.region.latitude, longitude: resolved.region.longitude },
    sectionsEast: resolved.region.sectionsEast,
    sectionsNorth: resolved.region.sectionsNorth,
  })
  const intervalMs = (resolved.machines * 1000) / resolved.ratePerSecond
  const shares = resolved.badData
  const jumpMinM = Math.max(20_000, JUMP_REFERENCE_SPEED_MS * 10 * (intervalMs / 1000))
  const counts: PingCounts = { valid: 0, late: 0, outOfOrder: 0, duplicate: 0, gpsJump: 0, outOfRange: 0 }
  const machines: Machine[] = []
  let started = false
  // Life 0 is the fleet as it always was; each later life draws from streams of its own.
  const lifeSeed =
    resolved.life === 0 ? resolved.seed : deriveSeed(resolved.seed, LIFE_STREAMS + resolved.life)

  function start(at: number): void {
    started = true
    for (let i = 0; i < resolved.machines; i++) {
      const random = createRandom(deriveSeed(lifeSeed, i))
      const home = region.yards[i % region.yards.length] as Area
      const m: Machine = {
        index: i,
        id: machineIdOf(i),
        random,
        home,
        pos: centre(home),
        heading: 0,
        legs: [],
        lastAt: at,
        nextAt: at + Math.floor(random.next() * intervalMs),
        sequence: resolved.life * SEQUENCE_STRIDE + random.int(0, 50_000),
        fuel: random.chance(0.75) ? random.between(40, 100) : null,
        held: undefined,
        late: [],
        recent: [],
      }
      // Spread the fleet over its day: skip a random stretch so not every machine starts in its yard.
      advance(m, region, random.between(0, 3600))
      machines.push(m)
    }
  }

  const bands: [PingKind, number][] = []
  let upTo = 0
  for (const kind of ['gpsJump', 'outOfRange', 'late', 'outOfOrder', 'duplicate'] as const) {
    upTo += shares[kind]
    bands.push([kind, upTo])
  }
  /** One draw per fix picks what becomes of it: the kinds exclude each other. */
  const drawKind = (roll: number): PingKind => bands.find(([, limit]) => roll < limit)?.[0] ?? 'valid'

  function step(m: Machine, at: number, out: EmittedPing[]): void {
    const emit = (ping: MachinePing, kind: PingKind): void => {
      counts[kind]++
      out.push({ ping, kind, emittedAt: at })
      if (kind === 'valid' || kind === 'late' || kind === 'outOfOrder') {
        m.recent.push(ping)
        if (m.recent.length > 5) m.recent.shift()
      }
    }
    const held = m.held
    m.held = undefined
    const ping = truePing(m, region, at)
    const r = m.random
    const kind = drawKind(r.next())
    if (kind === 'gpsJump' && m.sequence > 3 && m.recent.length > 0) {
      const far = destination(ping, r.between(0, 360), jumpMinM * r.between(1, 2))
      emit({ ...ping, latitude: far.latitude, longitude: far.longitude }, 'gpsJump')
    } else if (kind === 'outOfRange') {
      emit({ ...ping, ...r.pick(OUT_OF_RANGE) }, 'outOfRange')
    } else if (kind === 'late') {
      m.late.push({ ping, dueAt: at + Math.round(r.between(LATE_MIN_MS, LATE_MAX_MS)) })
    } else if (kind === 'outOfOrder' && held === undefined) {
      m.held = ping
    } else {
      emit(ping, 'valid')
      // A resend of a fix already sent, which is a true fix, so the validator has seen its pingId.
      if (kind === 'duplicate') emit(r.pick(m.recent), 'duplicate')
    }
    if (held !== undefined) emit(held, 'outOfOrder')
    while (m.late.length > 0 && (m.late[0] as { dueAt: number }).dueAt <= at) {
      emit((m.late.shift() as { ping: MachinePing }).ping, 'late')
    }
  }

  return {
    options: resolved,
    region,
    machineIds: Array.from({ length: resolved.machines }, (_, i) => machineIdOf(i)),
    intervalMs,
    tick(nowMs: number): EmittedPing[] {
      if (!started) start(resolved.startTimeMs ?? nowMs)
      const out: EmittedPing[] = []
      for (const m of machines) {
        while (m.nextAt <= nowMs) {
          step(m, Math.floor(m.nextAt), out)
          m.nextAt += intervalMs
        }
      }
      // Stable: a machine's own emissions keep their order within one instant.
      return out.sort((a, b) => a.emittedAt - b.emittedAt)
    },
    counts: () => ({ ...counts }),
    dispatch(machineId, fieldId, arriveAt, passes = 6) {
      const m = machines.find((x) => x.id === machineId)
      const field = region.fields.find((f) => f.geofenceId === fieldId)
      if (m === undefined || field === undefined) return false
      m.legs = dispatchLegs(m, region, field, arriveAt, passes)
      return true
    },
    geofences: (updatedAt) => regionGeofences(region, updatedAt),
  }
}
