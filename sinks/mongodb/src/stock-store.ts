import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb'
import {
  resolveLowStockLimit,
  resolveStockQuery,
  stockKey,
  type ApplyResult,
  type ConflatedStock,
  type StockStore,
  type StockView,
} from '@oxagry/sink'
import { classifyMongoError } from './errors.ts'
import { checkMaxUpsertsPerCommand, FERRETDB_MAX_UPSERTS, guardedUpserts } from './guarded-bulk.ts'
import { ensureIndexes } from './indexes.ts'

/** One document per product and warehouse, `_id` = the topic's key `productId|warehouseId`. */
export interface StockDocument {
  _id: string
  productId: string
  warehouseId: string
  onHand: number
  reserved: number
  available: number
  lowStockThreshold: number | null
  /**
   * `available <= lowStockThreshold`, computed on write: FerretDB v1 has no `$expr` to compare two
   * fields, and an indexed flag makes the low-stock list a plain index walk.
   */
  low: boolean
  updatedAt: Date
  version: number
  writtenAt: Date
}

const INDEXES = [
  { name: 'product_warehouse', key: { productId: 1, warehouseId: 1 } },
  { name: 'warehouse_product', key: { warehouseId: 1, productId: 1 } },
  { name: 'low_product_warehouse', key: { low: 1, productId: 1, warehouseId: 1 } },
] as const

export interface MongoStockOptions {
  readonly db: Db
  /** Default `stock_levels`. */
  readonly collection?: string
  /** Called by close(), e.g. `() => client.close()` when the store owns the client. */
  readonly onClose?: () => Promise<void>
  /** Upserts per update command, default {@link FERRETDB_MAX_UPSERTS} (FerretDB v1's limit). */
  readonly maxUpsertsPerCommand?: number
}

function toView(doc: StockDocument): StockView {
  return {
    productId: doc.productId,
    warehouseId: doc.warehouseId,
    onHand: doc.onHand,
    reserved: doc.reserved,
    available: doc.available,
    lowStockThreshold: doc.lowStockThreshold,
    updatedAt: doc.updatedAt.getTime(),
    version: doc.version,
  }
}

/**
 * Stock levels in MongoDB, written for FerretDB v1 as well (no transactions, no `$expr`): per batch one
 * delete command for the tombstoned keys and guarded bulk replaces by `_id`
 * (`{ _id, version: { $lt: v } }`, upsert), in commands FerretDB answers.
 */
export class MongoStockReadModel implements StockStore {
  readonly collection: Collection<StockDocument>

  constructor(private readonly options: MongoStockOptions) {
    checkMaxUpsertsPerCommand(options.maxUpsertsPerCommand)
    this.collection = options.db.collection<StockDocument>(options.collection ?? 'stock_levels')
  }

  async migrate(): Promise<void> {
    await ensureIndexes(this.collection, INDEXES)
  }

  async apply(batch: ConflatedStock): Promise<ApplyResult> {
    const changes = batch.levels.length + batch.deleted.length
    if (changes === 0) return { applied: 0, stale: 0 }
    let applied = 0
    if (batch.deleted.length > 0) {
      try {
        const ids = batch.deleted.map((d) => stockKey(d.productId, d.warehouseId))
        applied += (await this.collection.deleteMany({ _id: { $in: ids } })).deletedCount
      } catch (error) {
        throw classifyMongoError(error, `deleting ${batch.deleted.length} stock levels`)
      }
    }
    const now = new Date()
    const operations: AnyBulkWriteOperation<StockDocument>[] = batch.levels.map((l) => {
      const _id = stockKey(l.productId, l.warehouseId)
      const replacement: Omit<StockDocument, '_id'> = {
        productId: l.productId,
        warehouseId: l.warehouseId,
        onHand: l.onHand,
        reserved: l.reserved,
        available: l.available,
        lowStockThreshold: l.lowStockThreshold,
        low: l.lowStockThreshold !== null && l.available <= l.lowStockThreshold,
        updatedAt: new Date(l.updatedAt),
        version: l.version,
        writtenAt: now,
      }
      return { replaceOne: { filter: { _id, version: { $lt: l.version } }, replacement, upsert: true } }
    })
    applied += await guardedUpserts(
      this.collection,
      operations,
      this.options.maxUpsertsPerCommand ?? FERRETDB_MAX_UPSERTS,
      'upserting stock levels',
    )
    return { applied, stale: changes - applied }
  }

  async stock(query: { productId?: string; warehouseId?: string }): Promise<readonly StockView[]> {
    const q = resolveStockQuery(query)
    try {
      const docs = await this.collection
        .find({
          ...(q.productId === undefined ? {} : { productId: q.productId }),
          ...(q.warehouseId === undefined ? {} : { warehouseId: q.warehouseId }),
        })
        .sort({ productId: 1, warehouseId: 1 })
        .toArray()
      return docs.map(toView)
    } catch (error) {
      throw classifyMongoError(error, 'reading stock levels')
    }
  }

  async lowStock(limit?: number): Promise<readonly StockView[]> {
    const n = resolveLowStockLimit(limit)
    try {
      const docs = await this.collection
        .find({ low: true })
        .sort({ productId: 1, warehouseId: 1 })
        .limit(n)
        .toArray()
      return docs.map(toView)
    } catch (error) {
      throw classifyMongoError(error, 'reading low stock')
    }
  }

  async close(): Promise<void> {
    await this.options.onClose?.()
  }
}
