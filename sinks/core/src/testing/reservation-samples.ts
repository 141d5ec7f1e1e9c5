import { nameUuid, orderId, productId, reservationId, warehouseId, type StockEvent } from '@oxagry/avro'
import { reservationStepOf } from '../commerce-decoders.ts'
import type { ReservationWrite } from '../commerce-writes.ts'
import { sampleOrderId } from './commerce-samples.ts'

/** The reservation id the inventory application derives for an order's stock key. */
export const sampleReservationId = (order: string, product: string, warehouse: string): string =>
  reservationId(nameUuid(`reservation:${sampleOrderId(order)}:${product}|${warehouse}`))

export type ReservationEventKind = 'RESERVED' | 'ORDER_CANCELLED' | 'EXPIRED' | 'FULFILLED'

/** A StockReserved (`RESERVED`) or ReservationReleased (the other kinds, by release reason) event. */
export function reservationEvent(
  order: string,
  product: string,
  warehouse: string,
  kind: ReservationEventKind,
  occurredAt: number,
  quantity = 2,
): StockEvent {
  const ids = {
    reservationId: reservationId(sampleReservationId(order, product, warehouse)),
    orderId: orderId(sampleOrderId(order)),
    quantity,
  }
  return {
    eventId: nameUuid(`stock-event:${order}:${product}|${warehouse}:${kind}:${occurredAt}`),
    productId: productId(product),
    warehouseId: warehouseId(warehouse),
    occurredAt,
    payload:
      kind === 'RESERVED'
        ? { 'dev.oxagry.inventory.StockReserved': { ...ids, expiresAt: occurredAt + 60_000 } }
        : { 'dev.oxagry.inventory.ReservationReleased': { ...ids, reason: kind } },
  }
}

/**
 * The write the stock events decoder makes of {@link reservationEvent} at `position`; the event time is
 * `Date.UTC(2026, 0, 1) + position * 1000` unless given.
 */
export function reservationStep(
  order: string,
  product: string,
  warehouse: string,
  kind: ReservationEventKind,
  position: number,
  overrides: { quantity?: number; occurredAt?: number } = {},
): ReservationWrite {
  const at = overrides.occurredAt ?? Date.UTC(2026, 0, 1) + position * 1000
  const step = reservationStepOf(
    reservationEvent(order, product, warehouse, kind, at, overrides.quantity),
    position,
  )
  if (step === null) throw new TypeError('a reservation event is a reservation step')
  return { kind: 'reservation-step', step }
}
