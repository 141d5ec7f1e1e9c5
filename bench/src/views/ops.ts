/**
 * The writes of the views benchmark: batches as the sinks hand them to their targets (the order status
 * and placement of each order, or one stock level per product and warehouse), pure so their shapes are
 * unit-tested. Version `v` of a key replaces version `v - 1`.
 */
import type { CommerceWrite, StockWrite } from '@oxagry/sink'
import { orderPlaced, orderStatus, stockLevel } from '@oxagry/sink/testing'

export const VIEWS = ['orders', 'stock'] as const
export type View = (typeof VIEWS)[number]

export const STORES = ['postgres', 'pglite', 'mongodb'] as const
export type Store = (typeof STORES)[number]

/** Orders are PostgreSQL's view only; stock is in MongoDB or PostgreSQL. */
export function viewsOf(store: Store): View[] {
  return store === 'mongodb' ? ['stock'] : ['orders', 'stock']
}

const T0 = Date.UTC(2026, 0, 1)

/**
 * `rows` keys cut in batches of `batch`; each key once per batch. Version 1 also carries the order's
 * placement (two records, one row); later versions only the status, as a confirmed order's stream does.
 */
export function orderBatches(run: string, rows: number, batch: number, version: number): CommerceWrite[][] {
  const out: CommerceWrite[][] = []
  for (let start = 0; start < rows; start += batch) {
    const writes: CommerceWrite[] = []
    for (let i = start; i < Math.min(rows, start + batch); i++) {
      const name = `${run}-${i}`
      if (version === 1) writes.push(orderPlaced(name, T0 + i, { position: i }))
      writes.push(
        orderStatus(name, version, {
          placedAt: T0 + i,
          state: version === 1 ? 'PLACED' : 'CONFIRMED',
          position: i,
        }),
      )
    }
    out.push(writes)
  }
  return out
}

export function stockBatches(run: string, rows: number, batch: number, version: number): StockWrite[][] {
  const out: StockWrite[][] = []
  for (let start = 0; start < rows; start += batch) {
    const writes: StockWrite[] = []
    for (let i = start; i < Math.min(rows, start + batch); i++)
      writes.push(stockLevel(`P-${run}-${i}`, `wh-${i % 7}`, version, { onHand: 100 + version, position: i }))
    out.push(writes)
  }
  return out
}

/** Rows per batch as written: the records of a batch conflate to one row per key. */
export function rowsOf(batches: readonly (readonly unknown[])[], view: View, version: number): number {
  const records = batches.reduce((n, b) => n + b.length, 0)
  return view === 'orders' && version === 1 ? records / 2 : records
}
