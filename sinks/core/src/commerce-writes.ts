import type { OrderStatus, StockLevel } from '@oxagry/avro'
import type { OrderLineView, ReservationState, StockView } from './commerce-views.ts'

/**
 * What the commerce sinks write, one variant per operation; targets `switch` exhaustively over `kind`.
 * Every variant carries the source record's position (`partition * 2^40 + offset`), which orders the
 * writes of one key within a batch (one key lives in one partition).
 */
export type CommerceWrite =
  /** An order's lines, customer, currency and placement time, from OrderPlaced. */
  | {
      readonly kind: 'order-placed'
      readonly orderId: string
      readonly customerId: string
      readonly currency: string
      readonly lines: readonly OrderLineView[]
      readonly placedAt: number
      readonly position: number
    }
  /** The order's state, guarded by its `version`. */
  | { readonly kind: 'order-status'; readonly status: OrderStatus; readonly position: number }
  /** A tombstone on the status topic: the order's row goes. */
  | { readonly kind: 'order-deleted'; readonly orderId: string; readonly position: number }
  /** One payment step, folded into its payment's row when its position is newer than the row's. */
  | { readonly kind: 'payment-step'; readonly step: PaymentStep }

export type StockWrite =
  | { readonly kind: 'stock-level'; readonly level: StockLevel; readonly position: number }
  /** A tombstone on the stock levels topic. */
  | {
      readonly kind: 'stock-deleted'
      readonly productId: string
      readonly warehouseId: string
      readonly position: number
    }

/** What the reservations view writes: one step of a reservation (the stock events topic has no tombstones). */
export type ReservationWrite = { readonly kind: 'reservation-step'; readonly step: ReservationStep }

/** One stock event about a reservation, flattened: StockReserved or ReservationReleased. */
export interface ReservationStep {
  readonly reservationId: string
  readonly orderId: string
  readonly productId: string
  readonly warehouseId: string
  readonly quantity: number
  /** The state the reservation is in after this step. */
  readonly state: ReservationState
  /** From StockReserved; null on a release. */
  readonly expiresAt: number | null
  readonly occurredAt: number
  /** The record's position: the guard, since stock events carry no version. */
  readonly position: number
}

export const PAYMENT_STEP_KINDS = [
  'REQUESTED',
  'AUTHORISED',
  'CAPTURED',
  'FAILED',
  'REFUNDED',
  'VOIDED',
] as const
export type PaymentStepKind = (typeof PAYMENT_STEP_KINDS)[number]

/** One payment event, flattened: what its branch says about the payment's row. */
export interface PaymentStep {
  /** The event's id: a step re-sent by a producer (a new position) is recognised by it and counted once. */
  readonly eventId: string
  readonly paymentId: string
  readonly orderId: string
  /** The state the payment is in after this step. */
  readonly state: PaymentStepKind
  /** The amount the step names (the refunded amount for REFUNDED, counted in `refundMinor`). */
  readonly amountMinor: number | null
  readonly currency: string
  readonly method: string | null
  readonly failureReason: string | null
  /** What a REFUNDED step gives back; 0 otherwise. Refunds add up. */
  readonly refundMinor: number
  readonly occurredAt: number
  /** The record's position: the guard, since payment events carry no version. */
  readonly position: number
}

/** The record position sinks guard with where a contract has no version: `partition * 2^40 + offset`. */
export const POSITION_PARTITION_FACTOR = 2 ** 40

export function recordPosition(partition: number, offset: string): number {
  return partition * POSITION_PARTITION_FACTOR + Number(offset)
}

/** The stock key of the catalogue (`productId|warehouseId`), also the MongoDB `_id`. */
export function stockKey(productId: string, warehouseId: string): string {
  return `${productId}|${warehouseId}`
}

export function toStockView(level: StockLevel): StockView {
  return {
    productId: level.productId,
    warehouseId: level.warehouseId,
    onHand: level.onHand,
    reserved: level.reserved,
    available: level.available,
    lowStockThreshold: level.lowStockThreshold,
    updatedAt: level.updatedAt,
    version: level.version,
  }
}
