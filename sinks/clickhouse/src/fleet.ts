import { createHash } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { EngineState, MachinePing, MachineSession, SessionKind, SessionState } from '@oxagry/avro'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from './errors.ts'

export const FLEET_TABLES = { pings: 'machine_pings', sessions: 'machine_sessions' } as const

/** A row of machine_pings as JSONEachRow sends it (DateTime64(3) takes epoch milliseconds). */
export function pingRow(ping: MachinePing): Record<string, unknown> {
  return {
    ping_id: ping.pingId,
    machine_id: ping.machineId,
    sequence: ping.sequence,
    event_time: ping.eventTime,
    latitude: ping.latitude,
    longitude: ping.longitude,
    speed_kmh: ping.speedKmh,
    heading_degrees: ping.headingDegrees,
    accuracy_meters: ping.accuracyMeters,
    engine_state: ping.engineState,
    fuel_level_percent: ping.fuelLevelPercent,
  }
}

/** The version ReplacingMergeTree keeps the highest of: grows with every update of a session. */
export function sessionVersion(session: Pick<MachineSession, 'pingCount' | 'state'>): number {
  return session.pingCount * 2 + (session.state === 'CLOSED' ? 1 : 0)
}

export function sessionRow(session: MachineSession): Record<string, unknown> {
  return {
    session_id: session.sessionId,
    machine_id: session.machineId,
    kind: session.kind,
    state: session.state,
    started_at: session.startedAt,
    ended_at: session.endedAt,
    start_latitude: session.startLatitude,
    start_longitude: session.startLongitude,
    end_latitude: session.endLatitude,
    end_longitude: session.endLongitude,
    distance_meters: session.distanceMeters,
    max_speed_kmh: session.maxSpeedKmh,
    ping_count: session.pingCount,
    fuel_used_percent: session.fuelUsedPercent,
    version: sessionVersion(session),
  }
}

/**
 * Inserts rows with an insert deduplication token: the same token and rows again (a retry, or a
 * re-delivery cut at the same offsets) create no second part. ClickHouse compares only the token, not
 * the data, so the token ends with a digest of the rows: other rows under a reused token (offsets reused
 * after a topic was recreated, another environment writing the table) are inserted, not dropped.
 */
export async function insertRows(
  client: ClickHouseClient,
  table: string,
  rows: readonly Record<string, unknown>[],
  deduplicationToken: string,
): Promise<void> {
  if (rows.length === 0) return
  await client.insert({
    table,
    values: [...rows],
    format: 'JSONEachRow',
    clickhouse_settings: {
      insert_deduplicate: 1,
      insert_deduplication_token: `${deduplicationToken}|${rowsDigest(rows)}`,
    },
  })
}

/** SHA-256 of the rows as sent, truncated to 128 bits: the same rows in the same order, the same digest. */
export function rowsDigest(rows: readonly Record<string, unknown>[]): string {
  const hash = createHash('sha256')
  for (const row of rows) hash.update(JSON.stringify(row)).update('\n')
  return hash.digest('hex').slice(0, 32)
}

/** One point of a machine's track. */
export interface TrackPoint {
  readonly pingId: string
  readonly sequence: number
  readonly eventTime: number
  readonly latitude: number
  readonly longitude: number
  readonly speedKmh: number
  readonly headingDegrees: number | null
  readonly engineState: EngineState
}

async function rows<R>(
  client: ClickHouseClient,
  what: string,
  query: string,
  params: Record<string, unknown>,
) {
  try {
    const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
    return await result.json<R>()
  } catch (error) {
    throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.QUERY, `${what}: ${String(error)}`, {
      cause: error,
      retriable: true,
    })
  }
}

/**
 * The pings of a machine in [from, to), in time order, each once (FINAL collapses re-delivered
 * duplicates not yet merged). Reads one machine's range of the sorting key in the months concerned.
 */
export async function machineTrack(
  client: ClickHouseClient,
  machineId: string,
  from: number,
  to: number,
  options: { readonly limit?: number } = {},
): Promise<TrackPoint[]> {
  const result = await rows<Record<keyof TrackPoint, unknown>>(
    client,
    `track of ${machineId}`,
    `SELECT toString(ping_id) AS pingId, sequence, toUnixTimestamp64Milli(event_time) AS eventTime,
       latitude, longitude, speed_kmh AS speedKmh, heading_degrees AS headingDegrees, engine_state AS engineState
     FROM ${FLEET_TABLES.pings} FINAL
     WHERE machine_id = {machineId:String}
       AND event_time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
       AND event_time < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
     ORDER BY event_time, ping_id
     LIMIT {limit:UInt32}`,
    { machineId, from, to, limit: options.limit ?? 10_000 },
  )
  return result.map((r) => ({
    pingId: String(r.pingId),
    sequence: Number(r.sequence),
    eventTime: Number(r.eventTime),
    latitude: Number(r.latitude),
    longitude: Number(r.longitude),
    speedKmh: Number(r.speedKmh),
    headingDegrees: r.headingDegrees === null ? null : Number(r.headingDegrees),
    engineState: r.engineState as EngineState,
  }))
}

export interface TripSummary {
  readonly sessionId: string
  readonly kind: SessionKind
  readonly state: SessionState
  readonly startedAt: number
  readonly endedAt: number
  readonly startLatitude: number
  readonly startLongitude: number
  readonly endLatitude: number
  readonly endLongitude: number
  readonly distanceMeters: number
  readonly maxSpeedKmh: number
  readonly pingCount: number
  readonly fuelUsedPercent: number | null
}

/** Sessions (trips by default) of a machine overlapping [from, to), latest version of each, by start. */
export async function machineTrips(
  client: ClickHouseClient,
  machineId: string,
  options: {
    readonly from: number
    readonly to: number
    readonly kind?: SessionKind
    readonly limit?: number
  },
): Promise<TripSummary[]> {
  const result = await rows<Record<keyof TripSummary, unknown>>(
    client,
    `trips of ${machineId}`,
    `SELECT toString(session_id) AS sessionId, kind, state,
       toUnixTimestamp64Milli(started_at) AS startedAt, toUnixTimestamp64Milli(ended_at) AS endedAt,
       start_latitude AS startLatitude, start_longitude AS startLongitude,
       end_latitude AS endLatitude, end_longitude AS endLongitude,
       distance_meters AS distanceMeters, max_speed_kmh AS maxSpeedKmh, ping_count AS pingCount,
       fuel_used_percent AS fuelUsedPercent
     FROM ${FLEET_TABLES.sessions} FINAL
     WHERE machine_id = {machineId:String} AND kind = {kind:String}
       AND started_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       AND ended_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
     ORDER BY started_at, session_id
     LIMIT {limit:UInt32}`,
    {
      machineId,
      from: options.from,
      to: options.to,
      kind: options.kind ?? 'TRIP',
      limit: options.limit ?? 1000,
    },
  )
  return result.map((r) => ({
    sessionId: String(r.sessionId),
    kind: r.kind as SessionKind,
    state: r.state as SessionState,
    startedAt: Number(r.startedAt),
    endedAt: Number(r.endedAt),
    startLatitude: Number(r.startLatitude),
    startLongitude: Number(r.startLongitude),
    endLatitude: Number(r.endLatitude),
    endLongitude: Number(r.endLongitude),
    distanceMeters: Number(r.distanceMeters),
    maxSpeedKmh: Number(r.maxSpeedKmh),
    pingCount: Number(r.pingCount),
    fuelUsedPercent: r.fuelUsedPercent === null ? null : Number(r.fuelUsedPercent),
  }))
}
