import type { AnyBulkWriteOperation, Collection, Db, Filter, MatchKeysAndValues } from 'mongodb'
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
import { classifyMongoError } from './errors.ts'
import { checkMaxUpsertsPerCommand, FERRETDB_MAX_UPSERTS, guardedUpserts } from './guarded-bulk.ts'
import { ensureIndexes } from './indexes.ts'

/** One document per reservation, `_id` = reservationId. */
export interface ReservationDocument {
  _id: string
  orderId: string
  productId: string
  warehouseId: string
  quantity: number
  state: ReservationState
  expiresAt: Date | null
  reservedAt: Date | null
  releasedAt: Date | null
  updatedAt: Date
  /** The last event's record position: the guard (stock events carry no version). */
  version: number
  writtenAt: Date
}

// Every read pages by _id, so each filter's index ends with it.
const INDEXES = [
  { name: 'order_reservation', key: { orderId: 1, _id: 1 } },
  { name: 'product_warehouse_reservation', key: { productId: 1, warehouseId: 1, _id: 1 } },
  { name: 'warehouse_reservation', key: { warehouseId: 1, _id: 1 } },
] as const

export interface MongoReservationOptions {
  readonly db: Db
  /** Default `stock_reservations`. */
  readonly collection?: string
  /** Called by close(), e.g. `() => client.close()` when the store owns the client. */
  readonly onClose?: () => Promise<void>
  /** Upserts per update command, default {@link FERRETDB_MAX_UPSERTS} (FerretDB v1's limit). */
  readonly maxUpsertsPerCommand?: number
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms))

function toView(doc: ReservationDocument): ReservationView {
  return {
    reservationId: doc._id,
    orderId: doc.orderId,
    productId: doc.productId,
    warehouseId: doc.warehouseId,
    quantity: doc.quantity,
    state: doc.state,
    expiresAt: doc.expiresAt?.getTime() ?? null,
    reservedAt: doc.reservedAt?.getTime() ?? null,
    releasedAt: doc.releasedAt?.getTime() ?? null,
    updatedAt: doc.updatedAt.getTime(),
    version: doc.version,
  }
}

/**
 * Stock reservations in MongoDB, written for FerretDB v1 as well (no transactions): per batch guarded
 * bulk updates by `_id` (`{ _id, version: { $lt: position } }`, upsert) in commands FerretDB answers.
 * What the batch does not know of a reservation (reservedAt, expiresAt) is only set on insert, so a
 * release keeps the stored reservation's times.
 */
export class MongoReservationReadModel implements ReservationStore {
  readonly collection: Collection<ReservationDocument>

  constructor(private readonly options: MongoReservationOptions) {
    checkMaxUpsertsPerCommand(options.maxUpsertsPerCommand)
    this.collection = options.db.collection<ReservationDocument>(options.collection ?? 'stock_reservations')
  }

  async migrate(): Promise<void> {
    await ensureIndexes(this.collection, INDEXES)
  }

  async apply(batch: ConflatedReservations): Promise<ApplyResult> {
    const changes = batch.reservations.length
    if (changes === 0) return { applied: 0, stale: 0 }
    const now = new Date()
    const operations: AnyBulkWriteOperation<ReservationDocument>[] = batch.reservations.map((r) => {
      const set: Record<string, unknown> = {
        orderId: r.orderId,
        productId: r.productId,
        warehouseId: r.warehouseId,
        quantity: r.quantity,
        state: r.state,
        releasedAt: date(r.releasedAt),
        updatedAt: new Date(r.updatedAt),
        version: r.version,
        writtenAt: now,
      }
      const onInsert: Record<string, null> = {}
      for (const field of ['reservedAt', 'expiresAt'] as const) {
        const value = r[field]
        if (value === null) onInsert[field] = null
        else set[field] = new Date(value)
      }
      return {
        updateOne: {
          filter: { _id: r.reservationId, version: { $lt: r.version } },
          update: {
            $set: set as MatchKeysAndValues<ReservationDocument>,
            ...(Object.keys(onInsert).length === 0 ? {} : { $setOnInsert: onInsert }),
          },
          upsert: true,
        },
      }
    })
    const applied = await guardedUpserts(
      this.collection,
      operations,
      this.options.maxUpsertsPerCommand ?? FERRETDB_MAX_UPSERTS,
      'upserting reservations',
    )
    return { applied, stale: changes - applied }
  }

  async reservations(query: ReservationQuery): Promise<ReservationPage> {
    const q = resolveReservationQuery(query)
    const filter: Filter<ReservationDocument> = {
      ...(q.orderId === undefined ? {} : { orderId: q.orderId }),
      ...(q.productId === undefined ? {} : { productId: q.productId }),
      ...(q.warehouseId === undefined ? {} : { warehouseId: q.warehouseId }),
      ...(q.state === undefined ? {} : { state: q.state }),
      ...(q.after === undefined ? {} : { _id: { $gt: q.after } }),
    }
    try {
      const docs = await this.collection
        .find(filter)
        .sort({ _id: 1 })
        .limit(q.limit + 1)
        .toArray()
      return reservationPageOf(docs.map(toView), q.limit)
    } catch (error) {
      throw classifyMongoError(error, 'reading reservations')
    }
  }

  async close(): Promise<void> {
    await this.options.onClose?.()
  }
}
