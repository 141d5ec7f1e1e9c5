import { createHash } from 'node:crypto'
import type { OrderPlaced, Product } from '@oxagry/avro'
import { stockKey } from '@oxagry/topics'
import type { StockLine } from './order.ts'

export type DetailsCheck =
  | {
      readonly valid: true
      readonly totalMinor: number
      /** Lines merged per stock key, in first-seen order. */
      readonly lines: readonly StockLine[]
    }
  | { readonly valid: false; readonly note: string }

const CURRENCY = /^[A-Z]{3}$/

/**
 * The DETAILS check, done by the orders application itself against the product catalogue: at least
 * one line; whole quantities above 0; prices not below 0; known, active products sold in the order's
 * currency; a total JavaScript adds exactly. The note names the first problem found.
 */
export function checkDetails(
  placed: OrderPlaced,
  product: (id: string) => Product | undefined,
): DetailsCheck {
  if (!CURRENCY.test(placed.currency))
    return { valid: false, note: `currency ${placed.currency} is not ISO 4217` }
  if (placed.items.length === 0) return { valid: false, note: 'the order has no lines' }
  let total = 0
  const lines = new Map<string, StockLine>()
  for (const [i, item] of placed.items.entries()) {
    const line = `line ${i + 1} (${item.productId} at ${item.warehouseId})`
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0)
      return { valid: false, note: `${line}: quantity must be a whole number above 0, got ${item.quantity}` }
    if (!Number.isSafeInteger(item.unitPriceMinor) || item.unitPriceMinor < 0)
      return { valid: false, note: `${line}: unit price must be a whole number of minor units, not below 0` }
    const p = product(item.productId)
    if (p === undefined) return { valid: false, note: `${line}: unknown product` }
    if (!p.active) return { valid: false, note: `${line}: the product is withdrawn` }
    if (p.currency !== placed.currency)
      return {
        valid: false,
        note: `${line}: the product is sold in ${p.currency}, the order is in ${placed.currency}`,
      }
    total += item.quantity * item.unitPriceMinor
    if (!Number.isSafeInteger(total))
      return {
        valid: false,
        note: `${line}: the order total overflows ${Number.MAX_SAFE_INTEGER} minor units`,
      }
    const key = stockKey(item.productId, item.warehouseId)
    const merged = lines.get(key)
    lines.set(key, {
      productId: item.productId,
      warehouseId: item.warehouseId,
      quantity: (merged?.quantity ?? 0) + item.quantity,
    })
    if (!Number.isSafeInteger(lines.get(key)?.quantity))
      return { valid: false, note: `${line}: the quantity overflows` }
  }
  return { valid: true, totalMinor: total, lines: [...lines.values()] }
}

/** The same checkout sent again has the same digest; a reused idempotency key with another body has not. */
export function placedDigest(customerId: string, placed: OrderPlaced): string {
  const body = JSON.stringify([
    customerId,
    placed.currency,
    placed.items.map((i) => [i.productId, i.warehouseId, i.quantity, i.unitPriceMinor]),
    placed.deliveryLocation.latitude,
    placed.deliveryLocation.longitude,
    placed.deliveryLocation.address,
  ])
  return createHash('sha256').update(body).digest('hex')
}
