import type { OrderEvent, OrderStatus, PaymentEvent, StockEvent, StockLevel } from '@oxagry/avro'

/** What a commerce run left on its topics (and the provider's own books), decoded, in topic order. */
export interface CommerceRecords {
  readonly orderEvents: readonly OrderEvent[]
  readonly orderStatus: readonly OrderStatus[]
  readonly stockEvents: readonly StockEvent[]
  readonly stockLevels: readonly StockLevel[]
  readonly paymentEvents: readonly PaymentEvent[]
  /** The payment provider's ledger per order: what it captured and refunded, in minor units. */
  readonly providerLedger?: ReadonlyMap<string, { readonly captured: number; readonly refunded: number }>
}

export interface InvariantReport {
  readonly orders: number
  readonly byState: Readonly<Record<string, number>>
  /** One line per broken invariant instance; empty when every invariant holds. */
  readonly violations: readonly string[]
}

const kind = (payload: object): string => Object.keys(payload)[0]?.split('.').pop() ?? '?'

/**
 * The commerce flow's invariants over everything a run wrote:
 * - no oversell: reserved never exceeds on hand in any published level;
 * - every order decided exactly once and in a terminal state (COMPLETED or CANCELLED);
 * - every capture belongs to a completed order;
 * - every cancelled order's reservations released, its authorisation voided or its payment refunded;
 * - the ledgers agree: per order, captured minus refunded here equals the provider's books, and equals
 *   the order total for a completed order not refunded;
 * - one order per (customer, idempotency key).
 */
export function checkCommerceInvariants(records: CommerceRecords): InvariantReport {
  const violations: string[] = []
  for (const level of records.stockLevels) {
    if (level.reserved > level.onHand || level.available < 0)
      violations.push(
        `oversold: ${level.productId} at ${level.warehouseId} v${level.version}: reserved ${level.reserved} > on hand ${level.onHand}`,
      )
  }

  const placed = new Map<string, { customer: string; key: string; total: number }>()
  const decisions = new Map<string, string[]>()
  const byKey = new Map<string, Set<string>>()
  for (const e of records.orderEvents) {
    const k = kind(e.payload)
    if (k === 'OrderPlaced') {
      const p = e.payload['dev.oxagry.orders.OrderPlaced' as never] as {
        customerId: string
        idempotencyKey: string
        items: { quantity: number; unitPriceMinor: number }[]
      }
      if (!placed.has(e.orderId))
        placed.set(e.orderId, {
          customer: p.customerId,
          key: p.idempotencyKey,
          total: p.items.reduce((s, i) => s + i.quantity * i.unitPriceMinor, 0),
        })
      const key = `${p.customerId}\u0000${p.idempotencyKey}`
      byKey.set(key, (byKey.get(key) ?? new Set()).add(e.orderId))
    } else decisions.set(e.orderId, [...(decisions.get(e.orderId) ?? []), k])
  }
  for (const [key, ids] of byKey)
    if (ids.size > 1)
      violations.push(`${ids.size} orders for one (customer, key) ${key.replace('\u0000', ', ')}`)

  const status = new Map<string, OrderStatus>()
  for (const s of records.orderStatus) {
    const before = status.get(s.orderId)
    if (before === undefined || s.version >= before.version) status.set(s.orderId, s)
  }
  const byState: Record<string, number> = {}
  for (const [orderId] of placed) {
    const steps = decisions.get(orderId) ?? []
    const first = steps.filter((s) => s === 'OrderConfirmed' || s === 'OrderCancelled')
    const confirmations = steps.filter((s) => s === 'OrderConfirmed').length
    if (first.length === 0) violations.push(`order ${orderId} was never decided`)
    if (confirmations > 1) violations.push(`order ${orderId} confirmed ${confirmations} times`)
    if (steps.filter((s) => s === 'OrderCancelled').length > 1)
      violations.push(`order ${orderId} cancelled twice`)
    if (steps.filter((s) => s === 'OrderCompleted').length > 1)
      violations.push(`order ${orderId} completed twice`)
    const state = status.get(orderId)?.state ?? 'NO STATUS'
    byState[state] = (byState[state] ?? 0) + 1
    if (state !== 'COMPLETED' && state !== 'CANCELLED')
      violations.push(`order ${orderId} ended ${state}, not terminal`)
  }

  const reserved = new Map<string, number>()
  const released = new Map<string, number>()
  for (const e of records.stockEvents) {
    const k = kind(e.payload)
    const body = Object.values(e.payload)[0] as { orderId?: string }
    if (body.orderId === undefined) continue
    if (k === 'StockReserved') reserved.set(body.orderId, (reserved.get(body.orderId) ?? 0) + 1)
    if (k === 'ReservationReleased') released.set(body.orderId, (released.get(body.orderId) ?? 0) + 1)
  }
  const money = new Map<
    string,
    { authorised: boolean; voided: boolean; captured: number; refunded: number }
  >()
  for (const e of records.paymentEvents) {
    const m = money.get(e.orderId) ?? { authorised: false, voided: false, captured: 0, refunded: 0 }
    const k = kind(e.payload)
    const body = Object.values(e.payload)[0] as { amountMinor?: number }
    if (k === 'PaymentAuthorised') m.authorised = true
    if (k === 'PaymentVoided') m.voided = true
    if (k === 'PaymentCaptured') m.captured += body.amountMinor ?? 0
    if (k === 'PaymentRefunded') m.refunded += body.amountMinor ?? 0
    money.set(e.orderId, m)
  }
  for (const [orderId, m] of money) {
    const state = status.get(orderId)?.state
    if (m.captured > 0 && state !== 'COMPLETED')
      violations.push(`order ${orderId} captured but ${state ?? 'unknown'}`)
    const books = records.providerLedger?.get(orderId) ?? { captured: 0, refunded: 0 }
    if (records.providerLedger !== undefined && books.captured - books.refunded !== m.captured - m.refunded)
      violations.push(
        `order ${orderId}: platform says ${m.captured - m.refunded} kept, the provider ${books.captured - books.refunded}`,
      )
    const total = placed.get(orderId)?.total
    if (state === 'COMPLETED' && m.refunded === 0 && total !== undefined && m.captured !== total)
      violations.push(`order ${orderId} completed: captured ${m.captured}, total ${total}`)
  }
  for (const [orderId, s] of status) {
    if (s.state !== 'CANCELLED') continue
    if ((reserved.get(orderId) ?? 0) > (released.get(orderId) ?? 0))
      violations.push(
        `cancelled order ${orderId}: ${reserved.get(orderId)} reservations, ${released.get(orderId) ?? 0} released`,
      )
    const m = money.get(orderId)
    const refundedAll = m !== undefined && m.captured > 0 && m.refunded >= m.captured
    if (m?.authorised === true && !m.voided && !refundedAll)
      violations.push(`cancelled order ${orderId}: authorised, neither voided nor refunded`)
  }
  return { orders: placed.size, byState, violations }
}
