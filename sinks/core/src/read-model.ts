import type { EngineState, GeofenceId, MachineId, MachinePosition } from '@oxagry/avro'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'

/** What the live map shows per machine, derived from engine state and speed. */
export const MachineStatus = {
  MOVING: 'MOVING',
  IDLE: 'IDLE',
  OFF: 'OFF',
  UNKNOWN: 'UNKNOWN',
} as const
export type MachineStatus = (typeof MachineStatus)[keyof typeof MachineStatus]

/** Below this ground speed a machine stands: GPS jitter reads a few tenths of a km/h. */
export const STANDING_BELOW_KMH = 1

export function machineStatus(position: Pick<MachinePosition, 'engineState' | 'speedKmh'>): MachineStatus {
  if (position.speedKmh >= STANDING_BELOW_KMH) return MachineStatus.MOVING
  switch (position.engineState) {
    case 'OFF':
      return MachineStatus.OFF
    case 'IDLE':
    case 'RUNNING':
      return MachineStatus.IDLE
    case 'UNKNOWN':
      return MachineStatus.UNKNOWN
  }
}

/** The latest state of one machine, as every read model stores and returns it. */
export interface MachineState {
  readonly machineId: MachineId
  readonly status: MachineStatus
  /** GPS time of the fix, epoch ms: the guard compares it. */
  readonly eventTime: number
  readonly latitude: number
  readonly longitude: number
  readonly speedKmh: number
  readonly headingDegrees: number | null
  readonly accuracyMeters: number
  readonly engineState: EngineState
  readonly fuelLevelPercent: number | null
  readonly lastPingId: string
  /** Breaks ties between fixes of the same eventTime. */
  readonly lastSequence: number
  readonly geofenceIds: readonly GeofenceId[]
}

export function toMachineState(position: MachinePosition): MachineState {
  return {
    machineId: position.machineId,
    status: machineStatus(position),
    eventTime: position.eventTime,
    latitude: position.latitude,
    longitude: position.longitude,
    speedKmh: position.speedKmh,
    headingDegrees: position.headingDegrees,
    accuracyMeters: position.accuracyMeters,
    engineState: position.engineState,
    fuelLevelPercent: position.fuelLevelPercent,
    lastPingId: position.lastPingId,
    lastSequence: position.lastSequence,
    geofenceIds: [...position.geofenceIds],
  }
}

/** Whether `a` is newer than `b`: later eventTime, or the same and a higher sequence. */
export function isNewer(
  a: Pick<MachineState, 'eventTime' | 'lastSequence'>,
  b: Pick<MachineState, 'eventTime' | 'lastSequence'>,
): boolean {
  return a.eventTime > b.eventTime || (a.eventTime === b.eventTime && a.lastSequence > b.lastSequence)
}

/** Keeps the newest position per machine: one write per machine per batch, in any order. */
export function newestPerMachine(positions: readonly MachinePosition[]): MachineState[] {
  const newest = new Map<string, MachineState>()
  for (const p of positions) {
    const state = toMachineState(p)
    const current = newest.get(state.machineId)
    if (current === undefined || isNewer(state, current)) newest.set(state.machineId, state)
  }
  return [...newest.values()]
}

/** A latitude/longitude rectangle; no antimeridian crossing (minLon <= maxLon). */
export interface BoundingBox {
  readonly minLat: number
  readonly minLon: number
  readonly maxLat: number
  readonly maxLon: number
}

export interface MachineListQuery {
  readonly status?: MachineStatus
  readonly bbox?: BoundingBox
  /** 1 to 1000; default 100. */
  readonly limit?: number
  /** `nextCursor` of the previous page. */
  readonly cursor?: string
}

export interface MachinePage {
  /** Ordered by machineId. */
  readonly items: readonly MachineState[]
  /** Present when more may follow. */
  readonly nextCursor?: string
}

export interface UpsertResult {
  /** Machines whose state was inserted or replaced. */
  readonly applied: number
  /** Positions older than (or as old as) what the store holds, left out. */
  readonly stale: number
}

/**
 * The machine read model: the latest state per machine, behind one interface with a MongoDB and a
 * PostgreSQL implementation that pass the same contract tests (`@oxagry/sink/testing`).
 */
export interface MachineReadModel {
  /** Creates tables and indexes when missing; safe to call on every start. */
  ensureIndexes(): Promise<void>
  /**
   * Stores each machine's newest position unless the store already holds a newer or equal one
   * (eventTime, then sequence): re-delivered and late events never move a machine back.
   */
  upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult>
  get(machineId: string): Promise<MachineState | undefined>
  /** Keyset pagination by machineId; bbox by plain latitude/longitude ranges. */
  list(query?: MachineListQuery): Promise<MachinePage>
  close(): Promise<void>
}

export const DEFAULT_LIST_LIMIT = 100
export const MAX_LIST_LIMIT = 1000

/** `path` names the argument (`/query/cursor`), so an API can answer 400 naming its own parameter. */
function invalidQuery(path: string, message: string): never {
  throw new SinkError(SINK_ERROR_CODES.INVALID_QUERY, `${path} ${message}`, { context: { path } })
}

/** A page cursor: the last machineId of the page, opaque to clients. */
export function encodeCursor(lastMachineId: string): string {
  return Buffer.from(JSON.stringify({ after: lastMachineId })).toString('base64url')
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown } | null
    // Only what encodeCursor makes: base64url decoding skips stray characters and JSON takes any shape,
    // so a cursor must encode back to itself (a changed character, padding, `{"after":123}` do not).
    // No id holds control characters, and PostgreSQL's text refuses NUL (a 500 rather than an empty page).
    const after = parsed?.after
    // eslint-disable-next-line no-control-regex
    if (typeof after === 'string' && encodeCursor(after) === cursor && !/[\u0000-\u001f]/.test(after))
      return after
  } catch {
    // falls through to the error below
  }
  return invalidQuery('/query/cursor', 'is not a cursor this API returned')
}

export interface ResolvedListQuery {
  readonly status?: MachineStatus
  readonly bbox?: BoundingBox
  readonly limit: number
  readonly after?: string
}

/** Checks a list query once, for every implementation alike. */
export function resolveListQuery(query: MachineListQuery = {}): ResolvedListQuery {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    invalidQuery('/query/limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`)
  if (query.status !== undefined && !Object.values(MachineStatus).includes(query.status))
    invalidQuery('/query/status', `must be one of ${Object.values(MachineStatus).join(', ')}`)
  const { bbox } = query
  if (bbox !== undefined) {
    const { minLat, minLon, maxLat, maxLon } = bbox
    if (![minLat, minLon, maxLat, maxLon].every((n) => typeof n === 'number' && Number.isFinite(n)))
      invalidQuery('/query/bbox', 'needs finite minLat, minLon, maxLat, maxLon')
    if (minLat > maxLat || minLon > maxLon)
      invalidQuery('/query/bbox', 'needs minLat <= maxLat and minLon <= maxLon')
  }
  return {
    limit,
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(bbox === undefined ? {} : { bbox }),
    ...(query.cursor === undefined ? {} : { after: decodeCursor(query.cursor) }),
  }
}

/** Builds a page from up to limit+1 rows fetched in machineId order. */
export function pageOf(rows: readonly MachineState[], limit: number): MachinePage {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor(last.machineId) }
    : { items }
}
