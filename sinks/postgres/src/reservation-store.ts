import {
  reservationPageOf,
  resolveReservationQuery,
  type ApplyResult,
  type ConflatedReservations,
  type ReservationPage,
  type ReservationQuery,
  type ReservationState,
  type ReservationStore,
  type ReservationView,
} from '@oxagry/sink'
import { classifyPostgresError } from './errors.ts'
import type { SqlExecutor } from './executor.ts'
import { applyPostgresMigrations, type PostgresMigration } from './migrations.ts'
import { checkTableNames } from './commerce-store.ts'
import { fromMs, toMs } from './commerce-sql.ts'

export interface PostgresReservationOptions {
  readonly executor: SqlExecutor
  /** Table name (lowercase identifier). Default `stock_reservations`. */
  readonly table?: string
}

function reservationMigrations(t: string): PostgresMigration[] {
  return [
    {
      version: 1,
      name: 'stock_reservations',
      sql: `
CREATE TABLE IF NOT EXISTS ${t} (
  reservation_id text COLLATE "C" PRIMARY KEY,
  order_id text COLLATE "C" NOT NULL,
  product_id text COLLATE "C" NOT NULL,
  warehouse_id text COLLATE "C" NOT NULL,
  quantity bigint NOT NULL,
  state text NOT NULL,
  expires_at timestamptz,
  reserved_at timestamptz,
  released_at timestamptz,
  updated_at timestamptz NOT NULL,
  version bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ${t}_order ON ${t} (order_id, reservation_id);
CREATE INDEX IF NOT EXISTS ${t}_product ON ${t} (product_id, warehouse_id, reservation_id);
CREATE INDEX IF NOT EXISTS ${t}_warehouse ON ${t} (warehouse_id, reservation_id)`,
    },
  ]
}

interface ReservationRecord {
  reservation_id: string
  order_id: string
  product_id: string
  warehouse_id: string
  quantity: number | string
  state: string
  expires_at_ms: number | string | null
  reserved_at_ms: number | string | null
  released_at_ms: number | string | null
  updated_at_ms: number | string
  version: number | string
}

const SELECT = `reservation_id, order_id, product_id, warehouse_id, quantity, state,
  ${toMs('expires_at')} AS expires_at_ms, ${toMs('reserved_at')} AS reserved_at_ms,
  ${toMs('released_at')} AS released_at_ms, ${toMs('updated_at')} AS updated_at_ms, version`

const ms = (value: number | string | null): number | null =>
  value === null ? null : Math.round(Number(value))

function toReservation(r: ReservationRecord): ReservationView {
  return {
    reservationId: r.reservation_id,
    orderId: r.order_id,
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    quantity: Number(r.quantity),
    state: r.state as ReservationState,
    expiresAt: ms(r.expires_at_ms),
    reservedAt: ms(r.reserved_at_ms),
    releasedAt: ms(r.released_at_ms),
    updatedAt: Math.round(Number(r.updated_at_ms)),
    version: Number(r.version),
  }
}

/**
 * Stock reservations in PostgreSQL (pg or PGlite), the store used when no MongoDB is configured:
 * guarded by the record position, one statement per batch. What a batch does not know of a
 * reservation (when it was reserved, when it lapses) keeps its stored value.
 */
export class PostgresReservationReadModel implements ReservationStore {
  readonly table: string
  private readonly executor: SqlExecutor
  private readonly writeSql: string

  constructor(options: PostgresReservationOptions) {
    this.table = checkTableNames({ table: options.table ?? 'stock_reservations' }).table
    this.executor = options.executor
    const t = this.table
    this.writeSql = `
WITH upserted AS (
  INSERT INTO ${t} AS r (reservation_id, order_id, product_id, warehouse_id, quantity, state, expires_at,
    reserved_at, released_at, updated_at, version)
  SELECT reservation_id, order_id, product_id, warehouse_id, quantity, state, ${fromMs('expires_at')},
    ${fromMs('reserved_at')}, ${fromMs('released_at')}, ${fromMs('updated_at')}, version
  FROM jsonb_to_recordset($1::jsonb) AS x(reservation_id text, order_id text, product_id text,
    warehouse_id text, quantity bigint, state text, expires_at bigint, reserved_at bigint,
    released_at bigint, updated_at bigint, version bigint)
  ON CONFLICT (reservation_id) DO UPDATE SET
    order_id = EXCLUDED.order_id, product_id = EXCLUDED.product_id, warehouse_id = EXCLUDED.warehouse_id,
    quantity = EXCLUDED.quantity, state = EXCLUDED.state,
    expires_at = COALESCE(EXCLUDED.expires_at, r.expires_at),
    reserved_at = COALESCE(EXCLUDED.reserved_at, r.reserved_at),
    released_at = EXCLUDED.released_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
    written_at = now()
  WHERE EXCLUDED.version > r.version
  RETURNING 1
)
SELECT count(*)::int AS upserted FROM upserted`
  }

  async migrate(): Promise<void> {
    await applyPostgresMigrations(
      this.executor,
      `reservations:${this.table}`,
      reservationMigrations(this.table),
    )
  }

  async apply(batch: ConflatedReservations): Promise<ApplyResult> {
    const changes = batch.reservations.length
    if (changes === 0) return { applied: 0, stale: 0 }
    const rows = batch.reservations.map((r) => ({
      reservation_id: r.reservationId,
      order_id: r.orderId,
      product_id: r.productId,
      warehouse_id: r.warehouseId,
      quantity: r.quantity,
      state: r.state,
      expires_at: r.expiresAt,
      reserved_at: r.reservedAt,
      released_at: r.releasedAt,
      updated_at: r.updatedAt,
      version: r.version,
    }))
    try {
      const result = await this.executor.query<{ upserted: number }>(this.writeSql, [JSON.stringify(rows)])
      const applied = result.rows[0]?.upserted ?? 0
      return { applied, stale: changes - applied }
    } catch (error) {
      throw classifyPostgresError(error, `writing ${changes} reservations into ${this.table}`)
    }
  }

  async reservations(query: ReservationQuery): Promise<ReservationPage> {
    const q = resolveReservationQuery(query)
    const where: string[] = []
    const params: unknown[] = []
    const match = (column: string, value: string | undefined, op = '=') => {
      if (value === undefined) return
      params.push(value)
      where.push(`${column} ${op} $${params.length}`)
    }
    match('order_id', q.orderId)
    match('product_id', q.productId)
    match('warehouse_id', q.warehouseId)
    match('state', q.state)
    match('reservation_id', q.after, '>')
    params.push(q.limit + 1)
    try {
      const result = await this.executor.query<ReservationRecord>(
        `SELECT ${SELECT} FROM ${this.table} WHERE ${where.join(' AND ')}
ORDER BY reservation_id LIMIT $${params.length}`,
        params,
      )
      return reservationPageOf(result.rows.map(toReservation), q.limit)
    } catch (error) {
      throw classifyPostgresError(error, `reading reservations from ${this.table}`)
    }
  }

  async close(): Promise<void> {
    await this.executor.close()
  }
}
