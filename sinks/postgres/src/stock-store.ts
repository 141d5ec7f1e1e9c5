import {
  resolveLowStockLimit,
  resolveStockQuery,
  type ApplyResult,
  type ConflatedStock,
  type StockStore,
  type StockView,
} from '@oxagry/sink'
import { classifyPostgresError } from './errors.ts'
import type { SqlExecutor } from './executor.ts'
import { applyPostgresMigrations, type PostgresMigration } from './migrations.ts'
import { checkTableNames } from './commerce-store.ts'
import { fromMs, toMs } from './commerce-sql.ts'

export interface PostgresStockOptions {
  readonly executor: SqlExecutor
  /** Table name (lowercase identifier). Default `stock_levels`. */
  readonly table?: string
}

function stockMigrations(t: string): PostgresMigration[] {
  return [
    {
      version: 1,
      name: 'stock_levels',
      sql: `
CREATE TABLE IF NOT EXISTS ${t} (
  product_id text COLLATE "C" NOT NULL,
  warehouse_id text COLLATE "C" NOT NULL,
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL,
  available bigint NOT NULL,
  low_stock_threshold bigint,
  updated_at timestamptz NOT NULL,
  version bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, warehouse_id)
);
CREATE INDEX IF NOT EXISTS ${t}_warehouse ON ${t} (warehouse_id, product_id);
CREATE INDEX IF NOT EXISTS ${t}_low ON ${t} (product_id, warehouse_id) WHERE available <= low_stock_threshold`,
    },
  ]
}

interface StockRecord {
  product_id: string
  warehouse_id: string
  on_hand: number | string
  reserved: number | string
  available: number | string
  low_stock_threshold: number | string | null
  updated_at_ms: number | string
  version: number | string
}

const SELECT = `product_id, warehouse_id, on_hand, reserved, available, low_stock_threshold,
  ${toMs('updated_at')} AS updated_at_ms, version`

function toStock(r: StockRecord): StockView {
  return {
    productId: r.product_id,
    warehouseId: r.warehouse_id,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    available: Number(r.available),
    lowStockThreshold: r.low_stock_threshold === null ? null : Number(r.low_stock_threshold),
    updatedAt: Math.round(Number(r.updated_at_ms)),
    version: Number(r.version),
  }
}

/**
 * Stock levels in PostgreSQL (pg or PGlite), the store used when no MongoDB is configured: guarded by
 * the level's `version`, a tombstone deletes, one statement per batch.
 */
export class PostgresStockReadModel implements StockStore {
  readonly table: string
  private readonly executor: SqlExecutor

  constructor(options: PostgresStockOptions) {
    this.table = checkTableNames({ table: options.table ?? 'stock_levels' }).table
    this.executor = options.executor
  }

  async migrate(): Promise<void> {
    await applyPostgresMigrations(this.executor, `stock:${this.table}`, stockMigrations(this.table))
  }

  async apply(batch: ConflatedStock): Promise<ApplyResult> {
    const changes = batch.levels.length + batch.deleted.length
    if (changes === 0) return { applied: 0, stale: 0 }
    const t = this.table
    const sql = `
WITH deleted AS (
  DELETE FROM ${t} s USING unnest($1::text[], $2::text[]) AS d(product_id, warehouse_id)
  WHERE s.product_id = d.product_id AND s.warehouse_id = d.warehouse_id RETURNING 1
), upserted AS (
  INSERT INTO ${t} AS s (product_id, warehouse_id, on_hand, reserved, available, low_stock_threshold, updated_at, version)
  SELECT product_id, warehouse_id, on_hand, reserved, available, low_stock_threshold, ${fromMs('updated_at')}, version
  FROM jsonb_to_recordset($3::jsonb) AS x(product_id text, warehouse_id text, on_hand bigint, reserved bigint,
    available bigint, low_stock_threshold bigint, updated_at bigint, version bigint)
  ON CONFLICT (product_id, warehouse_id) DO UPDATE SET
    on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, available = EXCLUDED.available,
    low_stock_threshold = EXCLUDED.low_stock_threshold, updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version, written_at = now()
  WHERE EXCLUDED.version > s.version
  RETURNING 1
)
SELECT (SELECT count(*) FROM deleted)::int AS deleted, (SELECT count(*) FROM upserted)::int AS upserted`
    const levels = batch.levels.map((l) => ({
      product_id: l.productId,
      warehouse_id: l.warehouseId,
      on_hand: l.onHand,
      reserved: l.reserved,
      available: l.available,
      low_stock_threshold: l.lowStockThreshold,
      updated_at: l.updatedAt,
      version: l.version,
    }))
    try {
      const result = await this.executor.query<{ deleted: number; upserted: number }>(sql, [
        batch.deleted.map((d) => d.productId),
        batch.deleted.map((d) => d.warehouseId),
        JSON.stringify(levels),
      ])
      const applied = (result.rows[0]?.deleted ?? 0) + (result.rows[0]?.upserted ?? 0)
      return { applied, stale: changes - applied }
    } catch (error) {
      throw classifyPostgresError(error, `writing ${changes} stock levels into ${t}`)
    }
  }

  async stock(query: { productId?: string; warehouseId?: string }): Promise<readonly StockView[]> {
    const q = resolveStockQuery(query)
    const where: string[] = []
    const params: string[] = []
    if (q.productId !== undefined) {
      params.push(q.productId)
      where.push(`product_id = $${params.length}`)
    }
    if (q.warehouseId !== undefined) {
      params.push(q.warehouseId)
      where.push(`warehouse_id = $${params.length}`)
    }
    try {
      const result = await this.executor.query<StockRecord>(
        `SELECT ${SELECT} FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY product_id, warehouse_id`,
        params,
      )
      return result.rows.map(toStock)
    } catch (error) {
      throw classifyPostgresError(error, `reading stock from ${this.table}`)
    }
  }

  async lowStock(limit?: number): Promise<readonly StockView[]> {
    const n = resolveLowStockLimit(limit)
    try {
      const result = await this.executor.query<StockRecord>(
        `SELECT ${SELECT} FROM ${this.table} WHERE available <= low_stock_threshold
ORDER BY product_id, warehouse_id LIMIT $1`,
        [n],
      )
      return result.rows.map(toStock)
    } catch (error) {
      throw classifyPostgresError(error, `reading low stock from ${this.table}`)
    }
  }

  async close(): Promise<void> {
    await this.executor.close()
  }
}
