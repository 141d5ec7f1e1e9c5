import { nameUuid, type BookingId, type MachineType, type OrderEvent, type OrderId } from '@oxagry/avro'
import { parseRentalOrderKey } from './assignment.ts'
import type { BookingsOutput } from './outputs.ts'

/** A rental order as the outcome task remembers it: the booking its decision goes back to. */
export interface RentalOrder {
  readonly bookingId: BookingId
  readonly machineType: MachineType
}

/** What one order event changes: the rental order to store (null: forget it) and what to forward. */
export interface OutcomeStep {
  readonly rental?: RentalOrder | null
  readonly outputs: readonly BookingsOutput[]
}

const NONE: OutcomeStep = { outputs: [] }

/**
 * Order events folded into the bookings' order decisions. Every order's events pass by; only rental
 * orders (their OrderPlaced carries a booking's key) are remembered. A confirmation or cancellation
 * of one goes back to its booking's task as an OrderDecided command keyed by machine type; a
 * confirmed order may still be cancelled later, so it is forgotten only once cancelled or completed.
 */
export function applyOrderEvent(rental: RentalOrder | undefined, event: OrderEvent, at: number): OutcomeStep {
  const p = event.payload
  if ('dev.oxagry.orders.OrderPlaced' in p) {
    if (rental !== undefined) return NONE
    const parsed = parseRentalOrderKey(p['dev.oxagry.orders.OrderPlaced'].idempotencyKey)
    return parsed === undefined
      ? NONE
      : {
          rental: {
            bookingId: parsed.bookingId as BookingId,
            machineType: parsed.machineType as MachineType,
          },
          outputs: [],
        }
  }
  if (rental === undefined) return NONE
  if ('dev.oxagry.orders.OrderConfirmed' in p)
    return { outputs: [decision(rental, event.orderId, true, null, at)] }
  if ('dev.oxagry.orders.OrderCancelled' in p) {
    const c = p['dev.oxagry.orders.OrderCancelled']
    const note = `order cancelled: ${c.reason}${c.note === null ? '' : ` (${c.note})`}`
    return { rental: null, outputs: [decision(rental, event.orderId, false, note, at)] }
  }
  if ('dev.oxagry.orders.OrderCompleted' in p) return { rental: null, outputs: [] }
  return NONE
}

function decision(
  rental: RentalOrder,
  orderId: OrderId,
  confirmed: boolean,
  note: string | null,
  at: number,
): BookingsOutput {
  return {
    kind: 'command',
    key: rental.machineType,
    value: {
      commandId: nameUuid(`booking-order-decided:${orderId}:${confirmed ? 'confirmed' : 'cancelled'}`),
      bookingId: rental.bookingId,
      machineType: rental.machineType,
      occurredAt: at,
      payload: { 'dev.oxagry.bookings.OrderDecided': { orderId, confirmed, note } },
    },
  }
}
