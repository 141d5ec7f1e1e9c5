import type { CommerceReadModel, ReservationReadModel, StockReadModel } from './commerce-views.ts'
import { conflateCommerce, conflateReservations, conflateStock } from './commerce-conflate.ts'
import type { CommerceWrite, ReservationWrite, StockWrite } from './commerce-writes.ts'
import type { ConflatedCommerce, ConflatedReservations, ConflatedStock } from './commerce-conflate.ts'
import type { SinkTarget } from './target.ts'

/** What a guarded write did: rows inserted, replaced or deleted, and changes left out as stale. */
export interface ApplyResult {
  readonly applied: number
  readonly stale: number
}

/** Orders and payments as the sink writes them and the API reads them. */
export interface CommerceStore extends CommerceReadModel {
  /** Applies the versioned DDL not applied yet; safe on every start and from several instances. */
  migrate(): Promise<void>
  /** One batch, conflated, in one durable write. Stale changes are left out, never an error. */
  apply(batch: ConflatedCommerce): Promise<ApplyResult>
}

/** Stock levels as the sink writes them and the API reads them. */
export interface StockStore extends StockReadModel {
  migrate(): Promise<void>
  apply(batch: ConflatedStock): Promise<ApplyResult>
}

/**
 * Stock reservations as the sink writes them and the API reads them, guarded by record position: a
 * row whose stored version is at or past a change's keeps what it has.
 */
export interface ReservationStore extends ReservationReadModel {
  migrate(): Promise<void>
  apply(batch: ConflatedReservations): Promise<ApplyResult>
}

/** A sink target over a commerce store: conflates each batch per key and writes it once. */
export function commerceTarget(name: string, store: CommerceStore): SinkTarget<CommerceWrite> {
  return {
    name,
    start: () => store.migrate(),
    async write(items) {
      await store.apply(conflateCommerce(items))
    },
  }
}

/** A sink target over a stock store. */
export function stockTarget(name: string, store: StockStore): SinkTarget<StockWrite> {
  return {
    name,
    start: () => store.migrate(),
    async write(items) {
      await store.apply(conflateStock(items))
    },
  }
}

/** A sink target over a reservation store. */
export function reservationTarget(name: string, store: ReservationStore): SinkTarget<ReservationWrite> {
  return {
    name,
    start: () => store.migrate(),
    async write(items) {
      await store.apply(conflateReservations(items))
    },
  }
}
