import type { OrderEvent, OrderStatus, PaymentEvent, StockEvent, StockLevel } from '@oxagry/avro'
import type { BrokerRecord, Deserializer } from '@oxagry/kafka'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import {
  recordPosition,
  type CommerceWrite,
  type PaymentStep,
  type ReservationStep,
  type ReservationWrite,
  type StockWrite,
} from './commerce-writes.ts'
import type { ReservationState } from './commerce-views.ts'
import type { Decode } from './options.ts'

function keyOf(record: BrokerRecord, what: string): string {
  const key = record.key?.toString('utf8') ?? ''
  if (key.length === 0)
    throw new SinkError(
      SINK_ERROR_CODES.DECODE,
      `a ${what} tombstone without a key names nothing to delete`,
      {
        context: { topic: record.topic, partition: record.partition, offset: record.offset },
      },
    )
  return key
}

/**
 * `orders.order-events.v1`: OrderPlaced gives an order its lines; the other steps are skipped, since the
 * status topic carries the state they lead to.
 */
export function decodeOrderEvents(deserializer: Deserializer<OrderEvent>): Decode<CommerceWrite> {
  return async (record) => {
    if (record.value === null) return null
    const event = await deserializer.deserialize(record.topic, record.value, record.headers)
    const placed =
      'dev.oxagry.orders.OrderPlaced' in event.payload
        ? event.payload['dev.oxagry.orders.OrderPlaced']
        : undefined
    if (placed === undefined) return null
    return {
      kind: 'order-placed',
      orderId: event.orderId,
      customerId: placed.customerId,
      currency: placed.currency,
      lines: placed.items.map((i) => ({
        productId: i.productId,
        warehouseId: i.warehouseId,
        quantity: i.quantity,
        unitPriceMinor: i.unitPriceMinor,
      })),
      placedAt: event.occurredAt,
      position: recordPosition(record.partition, record.offset),
    }
  }
}

/** `orders.order-status.v1` (compacted): a status, or a tombstone that deletes the order's row. */
export function decodeOrderStatus(deserializer: Deserializer<OrderStatus>): Decode<CommerceWrite> {
  return async (record) => {
    const position = recordPosition(record.partition, record.offset)
    if (record.value === null) return { kind: 'order-deleted', orderId: keyOf(record, 'status'), position }
    return {
      kind: 'order-status',
      status: await deserializer.deserialize(record.topic, record.value, record.headers),
      position,
    }
  }
}

/** Flattens a payment event's branch into the step a payment row folds. */
export function paymentStepOf(event: PaymentEvent, position: number): PaymentStep {
  const base = {
    eventId: event.eventId,
    paymentId: event.paymentId,
    orderId: event.orderId,
    occurredAt: event.occurredAt,
    position,
  }
  const p = event.payload
  if ('dev.oxagry.payments.PaymentRequested' in p) {
    const s = p['dev.oxagry.payments.PaymentRequested']
    return {
      ...base,
      state: 'REQUESTED',
      amountMinor: s.amountMinor,
      currency: s.currency,
      method: s.method,
      failureReason: null,
      refundMinor: 0,
    }
  }
  if ('dev.oxagry.payments.PaymentAuthorised' in p) {
    const s = p['dev.oxagry.payments.PaymentAuthorised']
    return {
      ...base,
      state: 'AUTHORISED',
      amountMinor: s.amountMinor,
      currency: s.currency,
      method: null,
      failureReason: null,
      refundMinor: 0,
    }
  }
  if ('dev.oxagry.payments.PaymentCaptured' in p) {
    const s = p['dev.oxagry.payments.PaymentCaptured']
    return {
      ...base,
      state: 'CAPTURED',
      amountMinor: s.amountMinor,
      currency: s.currency,
      method: null,
      failureReason: null,
      refundMinor: 0,
    }
  }
  if ('dev.oxagry.payments.PaymentFailed' in p) {
    const s = p['dev.oxagry.payments.PaymentFailed']
    return {
      ...base,
      state: 'FAILED',
      amountMinor: null,
      currency: '',
      method: null,
      failureReason: s.reason,
      refundMinor: 0,
    }
  }
  if ('dev.oxagry.payments.PaymentRefunded' in p) {
    const s = p['dev.oxagry.payments.PaymentRefunded']
    return {
      ...base,
      state: 'REFUNDED',
      amountMinor: null,
      currency: s.currency,
      method: null,
      failureReason: null,
      refundMinor: s.amountMinor,
    }
  }
  const s = p['dev.oxagry.payments.PaymentVoided']
  return {
    ...base,
    state: 'VOIDED',
    amountMinor: s.amountMinor,
    currency: s.currency,
    method: null,
    failureReason: null,
    refundMinor: 0,
  }
}

/** `payments.payment-events.v1`: every step, positioned by its record. */
export function decodePaymentEvents(deserializer: Deserializer<PaymentEvent>): Decode<CommerceWrite> {
  return async (record) => {
    if (record.value === null) return null
    const event = await deserializer.deserialize(record.topic, record.value, record.headers)
    return {
      kind: 'payment-step',
      step: paymentStepOf(event, recordPosition(record.partition, record.offset)),
    }
  }
}

/** `inventory.stock-levels.v1` (compacted, key `productId|warehouseId`): a level or a tombstone. */
export function decodeStockLevels(deserializer: Deserializer<StockLevel>): Decode<StockWrite> {
  return async (record) => {
    const position = recordPosition(record.partition, record.offset)
    if (record.value === null) {
      const key = keyOf(record, 'stock level')
      const bar = key.lastIndexOf('|')
      if (bar <= 0 || bar === key.length - 1)
        throw new SinkError(
          SINK_ERROR_CODES.DECODE,
          `stock key ${JSON.stringify(key)} is not productId|warehouseId`,
          {
            context: { topic: record.topic, partition: record.partition, offset: record.offset },
          },
        )
      return {
        kind: 'stock-deleted',
        productId: key.slice(0, bar),
        warehouseId: key.slice(bar + 1),
        position,
      }
    }
    return {
      kind: 'stock-level',
      level: await deserializer.deserialize(record.topic, record.value, record.headers),
      position,
    }
  }
}

/** A release's reason as the reservation's state: the units came back, lapsed, or left with the order. */
const RELEASED_AS: Readonly<Record<string, ReservationState>> = {
  ORDER_CANCELLED: 'RELEASED',
  EXPIRED: 'EXPIRED',
  FULFILLED: 'FULFILLED',
}

/** The reservation step a stock event is, or null for adjustments and low-stock alerts. */
export function reservationStepOf(event: StockEvent, position: number): ReservationStep | null {
  const base = {
    productId: event.productId,
    warehouseId: event.warehouseId,
    occurredAt: event.occurredAt,
    position,
  }
  const p = event.payload
  if ('dev.oxagry.inventory.StockReserved' in p) {
    const r = p['dev.oxagry.inventory.StockReserved']
    return {
      ...base,
      reservationId: r.reservationId,
      orderId: r.orderId,
      quantity: r.quantity,
      state: 'RESERVED',
      expiresAt: r.expiresAt,
    }
  }
  if ('dev.oxagry.inventory.ReservationReleased' in p) {
    const r = p['dev.oxagry.inventory.ReservationReleased']
    // An enum symbol added to the contract later reads as a plain release rather than failing the sink.
    return {
      ...base,
      reservationId: r.reservationId,
      orderId: r.orderId,
      quantity: r.quantity,
      state: RELEASED_AS[r.reason] ?? 'RELEASED',
      expiresAt: null,
    }
  }
  return null
}

/** `inventory.stock-events.v1` (key `productId|warehouseId`): the reservation steps, the rest skipped. */
export function decodeStockEvents(deserializer: Deserializer<StockEvent>): Decode<ReservationWrite> {
  return async (record) => {
    if (record.value === null) return null
    const event = await deserializer.deserialize(record.topic, record.value, record.headers)
    const step = reservationStepOf(event, recordPosition(record.partition, record.offset))
    return step === null ? null : { kind: 'reservation-step', step }
  }
}
