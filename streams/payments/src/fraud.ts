import type { CurrencyCode, CustomerId, OrderId, OrderPlaced, OrderValidation } from '@oxagry/avro'
import { validationIdOf } from './ids.ts'

/** An order as the fraud check keeps it: who, in what currency, how much, when. */
export interface FraudOrder {
  readonly orderId: OrderId
  readonly customerId: CustomerId
  readonly currency: CurrencyCode
  /** Sum of quantity × unit price; null for an invalid order, which is answered but never counted. */
  readonly totalMinor: number | null
  /** What makes the order invalid, when it is. */
  readonly invalid: string | null
  /** The order's event time. */
  readonly placedAt: number
}

/** What goes through the repartition to the customer's spend: an order placed, or one cancelled. */
export interface FraudEntry {
  readonly kind: 'placed' | 'cancelled'
  readonly order: FraudOrder
}

/** The index by order (sub-topology 1): cancellations carry no customer, so it is found here. */
export interface IndexedOrder extends FraudOrder {
  readonly cancelled: boolean
}

/** A customer's recent, not cancelled, valid orders in one currency (sub-topology 2). */
export interface RecentSpend {
  readonly orders: readonly {
    readonly orderId: string
    readonly totalMinor: number
    readonly placedAt: number
  }[]
}

const MAX_TOTAL = Number.MAX_SAFE_INTEGER

/** The order's total, or why it cannot be had: no lines, quantities or prices that are not whole, a total past 2^53. */
export function orderTotal(placed: OrderPlaced): { totalMinor: number } | { invalid: string } {
  if (placed.items.length === 0) return { invalid: 'the order has no lines' }
  let total = 0
  for (const [i, item] of placed.items.entries()) {
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0)
      return { invalid: `line ${i + 1}: quantity ${item.quantity} is not a whole number above 0` }
    if (!Number.isSafeInteger(item.unitPriceMinor) || item.unitPriceMinor < 0)
      return {
        invalid: `line ${i + 1}: unit price ${item.unitPriceMinor} is not a whole number of at least 0`,
      }
    total += item.quantity * item.unitPriceMinor
    if (!Number.isSafeInteger(total) || total > MAX_TOTAL)
      return { invalid: `the total passes 2^53 minor units at line ${i + 1}` }
  }
  return { totalMinor: total }
}

export function fraudOrderOf(orderId: OrderId, placedAt: number, placed: OrderPlaced): FraudOrder {
  const total = orderTotal(placed)
  return {
    orderId,
    customerId: placed.customerId,
    currency: placed.currency,
    totalMinor: 'totalMinor' in total ? total.totalMinor : null,
    invalid: 'invalid' in total ? total.invalid : null,
    placedAt,
  }
}

/** The repartition key: one customer's spend in one currency. */
export function spendKeyOf(order: Pick<FraudOrder, 'customerId' | 'currency'>): string {
  return `${order.customerId}|${order.currency}`
}

/** Whether two placements of one order id are the same order (a retried checkout), not another body. */
export function sameOrder(a: FraudOrder, b: FraudOrder): boolean {
  return (
    a.customerId === b.customerId &&
    a.currency === b.currency &&
    a.totalMinor === b.totalMinor &&
    a.placedAt === b.placedAt
  )
}

/** The orders kept: without the one given (replaced or cancelled) and those placed before `keepFrom`. */
export function withoutOrder(spend: RecentSpend | undefined, orderId: string, keepFrom: number): RecentSpend {
  return { orders: (spend?.orders ?? []).filter((o) => o.orderId !== orderId && o.placedAt >= keepFrom) }
}

/** The spend over the sliding window ending at `at`, [at - windowMs, at], the order at `at` included. */
export function spendAt(spend: RecentSpend, at: number, windowMs: number): number {
  let sum = 0
  for (const o of spend.orders) if (o.placedAt >= at - windowMs && o.placedAt <= at) sum += o.totalMinor
  return sum
}

export function limitFor(
  currency: string,
  options: { defaultLimitMinor: number; limitsMinor: Readonly<Record<string, number>> },
): number {
  return options.limitsMinor[currency] ?? options.defaultLimitMinor
}

/** The FRAUD answer for an order given the customer's spend in the window; invalid orders pass (DETAILS fails them). */
export function fraudValidation(
  order: FraudOrder,
  spend: number,
  limit: number,
  windowMs: number,
): OrderValidation {
  const base = {
    validationId: validationIdOf(order.orderId, 'FRAUD'),
    orderId: order.orderId,
    check: 'FRAUD' as const,
    occurredAt: order.placedAt,
  }
  if (order.totalMinor === null)
    return { ...base, passed: true, reason: null, note: `not counted: ${order.invalid ?? 'invalid order'}` }
  const what = `spend ${spend} ${order.currency} minor units in the ${windowMs / 60_000} min to this order, limit ${limit}`
  return spend > limit
    ? { ...base, passed: false, reason: 'FRAUD_SUSPECTED', note: `${what}: above the limit` }
    : { ...base, passed: true, reason: null, note: what }
}
