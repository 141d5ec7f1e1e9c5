import type { NotificationView, OrderView, PaymentView, ReservationView, StockView } from '@oxagry/sink'
import type { OrderStatusChange } from './live/feed.ts'

/** A time as the API answers it: ISO 8601. */
export const iso = (ms: number): string => new Date(ms).toISOString()

/** Rows of the read model as the API answers them: times as ISO 8601, the row's bookkeeping left out. */
export function orderJson(order: OrderView): Record<string, unknown> {
  return { ...order, placedAt: iso(order.placedAt), updatedAt: iso(order.updatedAt) }
}

export function orderStatusJson(change: OrderStatusChange): Record<string, unknown> {
  return { ...change, placedAt: iso(change.placedAt), updatedAt: iso(change.updatedAt) }
}

export function paymentJson(payment: PaymentView): Record<string, unknown> {
  const { version: _version, ...rest } = payment
  return { ...rest, createdAt: iso(payment.createdAt), updatedAt: iso(payment.updatedAt) }
}

export function stockJson(stock: StockView): Record<string, unknown> {
  const { version: _version, ...rest } = stock
  return { ...rest, updatedAt: iso(stock.updatedAt) }
}

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

export function reservationJson(r: ReservationView): Record<string, unknown> {
  const { version: _version, ...rest } = r
  return {
    ...rest,
    expiresAt: isoOrNull(r.expiresAt),
    reservedAt: isoOrNull(r.reservedAt),
    releasedAt: isoOrNull(r.releasedAt),
    updatedAt: iso(r.updatedAt),
  }
}

export function notificationJson(n: NotificationView): Record<string, unknown> {
  const { recipientId: _recipient, customerId: _customer, ...rest } = n
  return {
    ...rest,
    occurredAt: iso(n.occurredAt),
    createdAt: iso(n.createdAt),
    heldUntil: isoOrNull(n.heldUntil),
    deliveredAt: isoOrNull(n.deliveredAt),
  }
}
