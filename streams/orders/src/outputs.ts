/** The records the order processor writes, built from an order: ids derived, so a replay writes the same. */
import {
  nameUuid,
  paymentId as toPaymentId,
  type CancellationReason,
  type OrderEvent,
  type OrderStatus,
  type PaymentCommand,
  type StockCommand,
} from '@oxagry/avro'
import { stockKey } from '@oxagry/topics'
import type { OrderRecord, StockLine } from './order.ts'

/** What the order processor writes; `stock` goes out keyed by its stock key, the rest by order id. */
export type OrderOutput =
  | { readonly kind: 'event'; readonly value: OrderEvent }
  | { readonly kind: 'status'; readonly value: OrderStatus }
  | { readonly kind: 'payment'; readonly value: PaymentCommand }
  | { readonly kind: 'stock'; readonly key: string; readonly value: StockCommand }

export function cancelledEvent(order: OrderRecord, at: number): OrderOutput {
  return orderEvent(order, at, 'cancelled', {
    'dev.oxagry.orders.OrderCancelled': { reason: order.cancellationReason ?? 'OTHER', note: order.note },
  })
}

export function orderEvent(
  order: OrderRecord,
  at: number,
  step: string,
  payload: OrderEvent['payload'],
): OrderOutput {
  return {
    kind: 'event',
    value: {
      eventId: nameUuid(`order-event:${order.orderId}:${step}`),
      orderId: order.orderId,
      occurredAt: at,
      payload,
    },
  }
}

export function stockCommand(
  order: OrderRecord,
  line: StockLine,
  at: number,
  step: string,
  payload: StockCommand['payload'],
): OrderOutput {
  const key = stockKey(line.productId, line.warehouseId)
  return {
    kind: 'stock',
    key,
    value: {
      commandId: nameUuid(`stock-command:${order.orderId}:${key}:${step}`),
      productId: line.productId,
      warehouseId: line.warehouseId,
      occurredAt: at,
      payload,
    },
  }
}

export function paymentCommand(
  order: OrderRecord,
  at: number,
  step: string,
  payload: PaymentCommand['payload'],
): OrderOutput {
  const paymentId = order.paymentId ?? toPaymentId(nameUuid(`payment:${order.orderId}:1`))
  return {
    kind: 'payment',
    value: {
      commandId: nameUuid(`payment-command:${paymentId}:${step}`),
      paymentId,
      orderId: order.orderId,
      occurredAt: at,
      payload,
    },
  }
}

/** The order's status record: what the compacted status topic holds for it from now on. */
export function status(order: OrderRecord): OrderOutput {
  const placed = order.placed
  const state = order.state === 'AWAITING_ORDER' ? 'PLACED' : order.state
  const reason: CancellationReason | null = order.state === 'CANCELLED' ? order.cancellationReason : null
  return {
    kind: 'status',
    value: {
      orderId: order.orderId,
      customerId: placed?.customerId ?? ('' as OrderStatus['customerId']),
      state,
      paymentState: order.paymentState,
      totalMinor: placed?.totalMinor ?? 0,
      currency: placed?.currency ?? ('' as OrderStatus['currency']),
      itemCount: placed?.itemCount ?? 0,
      placedAt: placed?.placedAt ?? order.updatedAt,
      updatedAt: order.updatedAt,
      cancellationReason: reason,
      note: order.note,
      version: order.version,
    },
  }
}
