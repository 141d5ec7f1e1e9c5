import type { EngineState, GeofenceId, MachineId, MachinePosition } from '@oxagry/avro'
import {
  SINK_ERROR_CODES,
  SinkError,
  newestPerMachine,
  pageOf,
  resolveListQuery,
  type MachineListQuery,
  type MachinePage,
  type MachineReadModel,
  type MachineState,
  type MachineStatus,
  type UpsertResult,
} from '@oxagry/sink'
import { classifyPostgresError } from './errors.ts'
import type { SqlExecutor } from './executor.ts'

export interface PostgresReadModelOptions {
  readonly executor: SqlExecutor
  /** Table name (lowercase identifier). Default `machines`. */
  readonly table?: string
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Columns in the order of the insert, with their SQL types (also the jsonb_to_recordset row type). */
const COLUMNS = [
  ['machine_id', 'text'],
  ['status', 'text'],
  ['event_time', 'timestamptz'],
  ['last_sequence', 'bigint'],
  ['latitude', 'double precision'],
  ['longitude', 'double precision'],
  ['speed_kmh', 'double precision'],
  ['heading_degrees', 'double precision'],
  ['accuracy_meters', 'double precision'],
  ['engine_state', 'text'],
  ['fuel_level_percent', 'double precision'],
  ['last_ping_id', 'text'],
  ['geofence_ids', 'text[]'],
] as const

interface Row {
  machine_id: string
  status: string
  event_time_ms: number | string
  last_sequence: number | string
  latitude: number
  longitude: number
  speed_kmh: number
  heading_degrees: number | null
  accuracy_meters: number
  engine_state: string
  fuel_level_percent: number | null
  last_ping_id: string
  geofence_ids: string[]
}

const SELECT = `machine_id, status, (extract(epoch from event_time) * 1000)::float8 AS event_time_ms,
  last_sequence, latitude, longitude, speed_kmh, heading_degrees, accuracy_meters, engine_state,
  fuel_level_percent, last_ping_id, geofence_ids`

function fromRow(row: Row): MachineState {
  return {
    machineId: row.machine_id as MachineId,
    status: row.status as MachineStatus,
    eventTime: Math.round(Number(row.event_time_ms)),
    latitude: row.latitude,
    longitude: row.longitude,
    speedKmh: row.speed_kmh,
    headingDegrees: row.heading_degrees,
    accuracyMeters: row.accuracy_meters,
    engineState: row.engine_state as EngineState,
    fuelLevelPercent: row.fuel_level_percent,
    lastPingId: row.last_ping_id,
    lastSequence: Number(row.last_sequence),
    geofenceIds: row.geofence_ids as GeofenceId[],
  }
}

/**
 * The machine read model in PostgreSQL: one row per machine, written with
 * `INSERT … ON CONFLICT (machine_id) DO UPDATE … WHERE (old eventTime, sequence) < (new ones)`, so an
 * older event never overwrites a newer one and a re-delivered batch changes nothing.
 */
export class PostgresMachineReadModel implements MachineReadModel {
  private readonly executor: SqlExecutor
  readonly table: string

  constructor(options: PostgresReadModelOptions) {
    const table = options.table ?? 'machines'
    if (!IDENTIFIER.test(table))
      throw new SinkError(
        SINK_ERROR_CODES.INVALID_OPTIONS,
        `/options/table must be a lowercase identifier, got ${JSON.stringify(table)}`,
      )
    this.executor = options.executor
    this.table = table
  }

  /** The DDL, idempotent: the table, an index for status pages and one for latitude/longitude ranges. */
  ddl(): string {
    const t = this.table
    return `
CREATE TABLE IF NOT EXISTS ${t} (
  machine_id text COLLATE "C" PRIMARY KEY,
  status text NOT NULL,
  event_time timestamptz NOT NULL,
  last_sequence bigint NOT NULL,
  latitude double precision NOT NULL,
  longitude double precision NOT NULL,
  speed_kmh double precision NOT NULL,
  heading_degrees double precision,
  accuracy_meters double precision NOT NULL,
  engine_state text NOT NULL,
  fuel_level_percent double precision,
  last_ping_id text NOT NULL,
  geofence_ids text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ${t}_status_id ON ${t} (status, machine_id);
CREATE INDEX IF NOT EXISTS ${t}_lat_lon ON ${t} (latitude, longitude);
`
  }

  async ensureIndexes(): Promise<void> {
    try {
      await this.executor.exec(this.ddl())
    } catch (error) {
      throw new SinkError(SINK_ERROR_CODES.SCHEMA, `creating ${this.table}: ${String(error)}`, {
        cause: error,
      })
    }
  }

  async upsertPositions(positions: readonly MachinePosition[]): Promise<UpsertResult> {
    if (positions.length === 0) return { applied: 0, stale: 0 }
    // Sorted so concurrent batches lock rows in the same order and cannot deadlock.
    const rows = newestPerMachine(positions)
      .sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))
      .map((s) => ({
        machine_id: s.machineId,
        status: s.status,
        event_time: new Date(s.eventTime).toISOString(),
        last_sequence: s.lastSequence,
        latitude: s.latitude,
        longitude: s.longitude,
        speed_kmh: s.speedKmh,
        heading_degrees: s.headingDegrees,
        accuracy_meters: s.accuracyMeters,
        engine_state: s.engineState,
        fuel_level_percent: s.fuelLevelPercent,
        last_ping_id: s.lastPingId,
        geofence_ids: s.geofenceIds,
      }))
    const t = this.table
    const names = COLUMNS.map(([name]) => name).join(', ')
    const sql = `
INSERT INTO ${t} AS m (${names})
SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${COLUMNS.map(([n, type]) => `${n} ${type}`).join(', ')})
ON CONFLICT (machine_id) DO UPDATE SET
  ${COLUMNS.filter(([n]) => n !== 'machine_id')
    .map(([n]) => `${n} = EXCLUDED.${n}`)
    .join(',\n  ')},
  updated_at = now()
WHERE (m.event_time, m.last_sequence) < (EXCLUDED.event_time, EXCLUDED.last_sequence)
RETURNING machine_id`
    try {
      const result = await this.executor.query<{ machine_id: string }>(sql, [JSON.stringify(rows)])
      return { applied: result.rows.length, stale: positions.length - result.rows.length }
    } catch (error) {
      throw classifyPostgresError(error, `upserting ${rows.length} machines into ${t}`)
    }
  }

  async get(machineId: string): Promise<MachineState | undefined> {
    try {
      const result = await this.executor.query<Row>(
        `SELECT ${SELECT} FROM ${this.table} WHERE machine_id = $1`,
        [machineId],
      )
      const row = result.rows[0]
      return row === undefined ? undefined : fromRow(row)
    } catch (error) {
      throw classifyPostgresError(error, `reading machine ${machineId} from ${this.table}`)
    }
  }

  async list(query?: MachineListQuery): Promise<MachinePage> {
    const q = resolveListQuery(query)
    const where: string[] = []
    const params: unknown[] = []
    const param = (value: unknown): string => {
      params.push(value)
      return `$${params.length}`
    }
    if (q.after !== undefined) where.push(`machine_id > ${param(q.after)}`)
    if (q.status !== undefined) where.push(`status = ${param(q.status)}`)
    if (q.bbox !== undefined) {
      where.push(`latitude BETWEEN ${param(q.bbox.minLat)} AND ${param(q.bbox.maxLat)}`)
      where.push(`longitude BETWEEN ${param(q.bbox.minLon)} AND ${param(q.bbox.maxLon)}`)
    }
    const sql = `SELECT ${SELECT} FROM ${this.table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
ORDER BY machine_id LIMIT ${param(q.limit + 1)}`
    try {
      const result = await this.executor.query<Row>(sql, params)
      return pageOf(result.rows.map(fromRow), q.limit)
    } catch (error) {
      throw classifyPostgresError(error, `listing machines in ${this.table}`)
    }
  }

  async close(): Promise<void> {
    await this.executor.close()
  }
}
