import {
  currencyCode,
  customerId,
  nameUuid,
  orderId,
  paymentId,
  productId,
  warehouseId,
  type OrderEvent,
  type OrderStatus,
  type PaymentEvent,
  type StockLevel,
} from '@oxagry/avro'
import type { CommerceWrite, PaymentStep, StockWrite } from '../commerce-writes.ts'

/** A stable order id (a UUID, as the contract asks) from a short test name. */
export const sampleOrderId = (name: string): string => orderId(nameUuid(`order:${name}`))
export const samplePaymentId = (name: string): string => paymentId(nameUuid(`payment:${name}`))

/** An OrderPlaced event of two lines (2 × 1250 + 1 × 990 EUR cents). */
export function orderPlacedEvent(
  name: string,
  occurredAt: number,
  overrides: { customerId?: string; currency?: string } = {},
): OrderEvent {
  return {
    eventId: nameUuid(`placed:${name}`),
    orderId: orderId(sampleOrderId(name)),
    occurredAt,
    payload: {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: customerId(overrides.customerId ?? 'C-1'),
        currency: currencyCode(overrides.currency ?? 'EUR'),
        items: [
          {
            productId: productId('SEED-WHEAT-25KG'),
            warehouseId: warehouseId('wh-north'),
            quantity: 2,
            unitPriceMinor: 1250,
          },
          {
            productId: productId('FERT-NPK-50KG'),
            warehouseId: warehouseId('wh-south'),
            quantity: 1,
            unitPriceMinor: 990,
          },
        ],
        deliveryLocation: { latitude: 52.1, longitude: 5.1, address: null },
        idempotencyKey: `key-${name}`,
      },
    },
  }
}

/** The write the order events decoder makes of {@link orderPlacedEvent}. */
export function orderPlaced(
  name: string,
  placedAt: number,
  overrides: { customerId?: string; currency?: string; position?: number } = {},
): CommerceWrite {
  const event = orderPlacedEvent(name, placedAt, overrides)
  const placed =
    'dev.oxagry.orders.OrderPlaced' in event.payload
      ? event.payload['dev.oxagry.orders.OrderPlaced']
      : undefined
  return {
    kind: 'order-placed',
    orderId: event.orderId,
    customerId: overrides.customerId ?? 'C-1',
    currency: overrides.currency ?? 'EUR',
    lines: (placed?.items ?? []).map((i) => ({ ...i })),
    placedAt,
    position: overrides.position ?? 0,
  }
}

/** An order status record; override what a test is about. */
export function orderStatusRecord(
  name: string,
  version: number,
  overrides: Partial<Omit<OrderStatus, 'orderId' | 'version'>> = {},
): OrderStatus {
  const placedAt = overrides.placedAt ?? Date.UTC(2026, 0, 1)
  return {
    orderId: orderId(sampleOrderId(name)),
    customerId: customerId('C-1'),
    state: 'PLACED',
    paymentState: null,
    totalMinor: 3490,
    currency: currencyCode('EUR'),
    itemCount: 2,
    placedAt,
    updatedAt: placedAt + version * 1000,
    cancellationReason: null,
    note: null,
    ...overrides,
    version,
  }
}

export function orderStatus(
  name: string,
  version: number,
  overrides: Partial<Omit<OrderStatus, 'orderId' | 'version'>> & { position?: number } = {},
): CommerceWrite {
  const { position, ...rest } = overrides
  return {
    kind: 'order-status',
    status: orderStatusRecord(name, version, rest),
    position: position ?? version,
  }
}

export function orderDeleted(name: string, position: number): CommerceWrite {
  return { kind: 'order-deleted', orderId: sampleOrderId(name), position }
}

/** A payment event of one step; `amountMinor` is the step's amount (the refund's for REFUNDED). */
export function paymentEvent(
  payment: string,
  order: string,
  step: PaymentStep['state'],
  occurredAt: number,
  amountMinor = 3490,
): PaymentEvent {
  const currency = currencyCode('EUR')
  const payload = (() => {
    switch (step) {
      case 'REQUESTED':
        return { 'dev.oxagry.payments.PaymentRequested': { amountMinor, currency, method: 'CARD' as const } }
      case 'AUTHORISED':
        return {
          'dev.oxagry.payments.PaymentAuthorised': {
            amountMinor,
            currency,
            authorisationCode: 'A-1',
            expiresAt: null,
          },
        }
      case 'CAPTURED':
        return { 'dev.oxagry.payments.PaymentCaptured': { amountMinor, currency } }
      case 'FAILED':
        return { 'dev.oxagry.payments.PaymentFailed': { reason: 'DECLINED' as const, message: null } }
      case 'REFUNDED':
        return { 'dev.oxagry.payments.PaymentRefunded': { amountMinor, currency, reason: 'damaged' } }
      case 'VOIDED':
        return { 'dev.oxagry.payments.PaymentVoided': { amountMinor, currency } }
    }
  })()
  return {
    eventId: nameUuid(`payment-event:${payment}:${step}:${occurredAt}`),
    paymentId: paymentId(samplePaymentId(payment)),
    orderId: orderId(sampleOrderId(order)),
    occurredAt,
    payload,
  } as PaymentEvent
}

/** A stock level record. */
export function stockLevelRecord(
  product: string,
  warehouse: string,
  version: number,
  overrides: Partial<Omit<StockLevel, 'productId' | 'warehouseId' | 'version'>> = {},
): StockLevel {
  const onHand = overrides.onHand ?? 100
  const reserved = overrides.reserved ?? 10
  return {
    productId: productId(product),
    warehouseId: warehouseId(warehouse),
    onHand,
    reserved,
    available: overrides.available ?? onHand - reserved,
    lowStockThreshold: null,
    updatedAt: Date.UTC(2026, 0, 1) + version * 1000,
    ...overrides,
    version,
  }
}

export function stockLevel(
  product: string,
  warehouse: string,
  version: number,
  overrides: Partial<Omit<StockLevel, 'productId' | 'warehouseId' | 'version'>> & { position?: number } = {},
): StockWrite {
  const { position, ...rest } = overrides
  return {
    kind: 'stock-level',
    level: stockLevelRecord(product, warehouse, version, rest),
    position: position ?? version,
  }
}

export function stockDeleted(product: string, warehouse: string, position: number): StockWrite {
  return { kind: 'stock-deleted', productId: product, warehouseId: warehouse, position }
}
