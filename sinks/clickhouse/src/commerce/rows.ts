import type { OrderEvent, OrderStatus, PaymentEvent, Product, StockEvent } from '@oxagry/avro'

/** The commerce fact tables (ddl/003_commerce_facts.sql). */
export const COMMERCE_TABLES = {
  orderEvents: 'order_events',
  orderLines: 'order_lines',
  orders: 'orders',
  paymentEvents: 'payment_events',
  stockMovements: 'stock_movements',
  products: 'products',
} as const

export type CommerceTable = (typeof COMMERCE_TABLES)[keyof typeof COMMERCE_TABLES]

/** A row as JSONEachRow sends it: DateTime64(3) columns take epoch milliseconds. */
export type Row = Record<string, unknown>

/** The branch of an Avro union payload: `{ 'dev.oxagry.orders.OrderPlaced': {...} }` → its name and value. */
function branchOf<P extends object>(payload: P): { name: string; value: Record<string, unknown> } {
  const [key, value] = Object.entries(payload)[0] ?? ['', {}]
  return { name: key.slice(key.lastIndexOf('.') + 1), value: value as Record<string, unknown> }
}

const ORDER_KIND: Readonly<Record<string, string>> = {
  OrderPlaced: 'PLACED',
  OrderConfirmed: 'CONFIRMED',
  OrderCancelled: 'CANCELLED',
  OrderCompleted: 'COMPLETED',
}

/** One order event: its order_events row and, for an OrderPlaced, one order_lines row per line. */
export function orderEventRows(event: OrderEvent): { event: Row; lines: Row[] } {
  const base = {
    event_id: event.eventId,
    order_id: event.orderId,
    occurred_at: event.occurredAt,
    customer_id: '',
    currency: '',
    total_minor: 0,
    item_count: 0,
    cancellation_reason: '',
    note: '',
    delivered_at: null as number | null,
  }
  const payload = event.payload
  if ('dev.oxagry.orders.OrderPlaced' in payload) {
    const placed = payload['dev.oxagry.orders.OrderPlaced']
    return {
      event: {
        ...base,
        kind: 'PLACED',
        customer_id: placed.customerId,
        currency: placed.currency,
        total_minor: placed.items.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0),
        item_count: placed.items.length,
      },
      lines: placed.items.map((item, lineNo) => ({
        event_id: event.eventId,
        order_id: event.orderId,
        line_no: lineNo,
        customer_id: placed.customerId,
        product_id: item.productId,
        warehouse_id: item.warehouseId,
        quantity: item.quantity,
        unit_price_minor: item.unitPriceMinor,
        currency: placed.currency,
        placed_at: event.occurredAt,
      })),
    }
  }
  if ('dev.oxagry.orders.OrderCancelled' in payload) {
    const cancelled = payload['dev.oxagry.orders.OrderCancelled']
    return {
      event: {
        ...base,
        kind: 'CANCELLED',
        cancellation_reason: cancelled.reason,
        note: cancelled.note ?? '',
      },
      lines: [],
    }
  }
  if ('dev.oxagry.orders.OrderCompleted' in payload)
    return {
      event: {
        ...base,
        kind: 'COMPLETED',
        delivered_at: payload['dev.oxagry.orders.OrderCompleted'].deliveredAt,
      },
      lines: [],
    }
  const { name } = branchOf(payload)
  return { event: { ...base, kind: ORDER_KIND[name] ?? name.toUpperCase() }, lines: [] }
}

export function orderStatusRow(status: OrderStatus): Row {
  return {
    order_id: status.orderId,
    customer_id: status.customerId,
    state: status.state,
    payment_state: status.paymentState ?? '',
    total_minor: status.totalMinor,
    currency: status.currency,
    item_count: status.itemCount,
    placed_at: status.placedAt,
    updated_at: status.updatedAt,
    cancellation_reason: status.cancellationReason ?? '',
    note: status.note ?? '',
    version: status.version,
  }
}

const PAYMENT_KIND: Readonly<Record<string, string>> = {
  PaymentRequested: 'REQUESTED',
  PaymentAuthorised: 'AUTHORISED',
  PaymentCaptured: 'CAPTURED',
  PaymentFailed: 'FAILED',
  PaymentRefunded: 'REFUNDED',
  PaymentVoided: 'VOIDED',
}

export function paymentEventRow(event: PaymentEvent): Row {
  const { name, value } = branchOf(event.payload)
  const text = (field: string): string => (typeof value[field] === 'string' ? (value[field] as string) : '')
  return {
    event_id: event.eventId,
    payment_id: event.paymentId,
    order_id: event.orderId,
    kind: PAYMENT_KIND[name] ?? name.toUpperCase(),
    occurred_at: event.occurredAt,
    amount_minor: typeof value.amountMinor === 'number' ? value.amountMinor : 0,
    currency: text('currency'),
    method: text('method'),
    failure_reason: name === 'PaymentFailed' ? text('reason') : '',
    refund_reason: name === 'PaymentRefunded' ? text('reason') : '',
  }
}

export function stockMovementRow(event: StockEvent): Row {
  const base = {
    event_id: event.eventId,
    product_id: event.productId,
    warehouse_id: event.warehouseId,
    occurred_at: event.occurredAt,
    reason: '',
    on_hand_delta: 0,
    reserved_delta: 0,
    order_id: '',
    reservation_id: '',
    available: null as number | null,
    threshold: null as number | null,
  }
  const payload = event.payload
  if ('dev.oxagry.inventory.StockAdjusted' in payload) {
    const adjusted = payload['dev.oxagry.inventory.StockAdjusted']
    return { ...base, kind: 'ADJUSTED', reason: adjusted.reason, on_hand_delta: adjusted.delta }
  }
  if ('dev.oxagry.inventory.StockReserved' in payload) {
    const reserved = payload['dev.oxagry.inventory.StockReserved']
    return {
      ...base,
      kind: 'RESERVED',
      reserved_delta: reserved.quantity,
      order_id: reserved.orderId,
      reservation_id: reserved.reservationId,
    }
  }
  if ('dev.oxagry.inventory.ReservationReleased' in payload) {
    const released = payload['dev.oxagry.inventory.ReservationReleased']
    return {
      ...base,
      kind: 'RELEASED',
      reason: released.reason,
      reserved_delta: -released.quantity,
      order_id: released.orderId,
      reservation_id: released.reservationId,
    }
  }
  const low = payload['dev.oxagry.inventory.LowStock']
  return { ...base, kind: 'LOW_STOCK', available: low.available, threshold: low.threshold }
}

/** Where a record sits in its topic, as one number that grows with the offset: partition * 2^40 + offset. */
export function topicPosition(partition: number, offset: string | number | bigint): number {
  return partition * 2 ** 40 + Number(offset)
}

export function productRow(product: Product, version: number): Row {
  return {
    product_id: product.productId,
    name: product.name,
    category: product.category,
    unit: product.unit,
    unit_price_minor: product.unitPriceMinor,
    currency: product.currency,
    low_stock_threshold: product.lowStockThreshold,
    active: product.active ? 1 : 0,
    version,
  }
}
