import type { AdjustmentReason, ReleaseReason } from '@oxagry/avro'

/** One order's units set aside at one stock key. */
export interface Reservation {
  readonly reservationId: string
  readonly quantity: number
  /** Wall-clock time it lapses unless confirmed; null once confirmed. */
  readonly expiresAt: number | null
}

/**
 * The stock of one product in one warehouse: what the store keeps per stock key. Its reservations are
 * kept apart, one entry per order (see INVENTORY_STORES.reservations): held in this state, every change
 * copied, serialized and logged all of them, and a product with thousands of open orders cost
 * milliseconds per command.
 */
export interface StockState {
  readonly onHand: number
  readonly reserved: number
  /** Set when a LowStock was raised and available has not come back to the threshold since. */
  readonly belowThreshold: boolean
  /** Changes of on hand or reserved folded in. */
  readonly version: number
  /** Time of the latest change. */
  readonly updatedAt: number
  /** Command ids of the latest adjustments, newest last: a resent one is not applied twice. */
  readonly recentAdjustments?: readonly string[]
}

/** How many adjustment ids a stock key remembers. */
export const ADJUSTMENT_MEMORY = 64

/** The state as stores written before reservations had a store of their own hold it. */
export interface LegacyStockState extends StockState {
  /** By order id. */
  readonly reservations?: Readonly<Record<string, Reservation>>
}

export const EMPTY_STOCK: StockState = Object.freeze({
  onHand: 0,
  reserved: 0,
  belowThreshold: false,
  version: 0,
  updatedAt: 0,
  recentAdjustments: Object.freeze([]),
})

/** What a transition changed; each becomes one stock event. */
export type StockChange =
  | {
      readonly kind: 'adjusted'
      readonly reason: AdjustmentReason
      readonly delta: number
      readonly reference: string | null
    }
  | {
      readonly kind: 'reserved'
      readonly orderId: string
      readonly reservationId: string
      readonly quantity: number
      readonly expiresAt: number | null
    }
  | {
      readonly kind: 'released'
      readonly orderId: string
      readonly reservationId: string
      readonly quantity: number
      readonly reason: ReleaseReason
    }

export interface Changed {
  readonly state: StockState
  readonly changes: readonly StockChange[]
}

export function available(state: StockState): number {
  return state.onHand - state.reserved
}

function bump(state: StockState, fields: Partial<StockState>, count: number, at: number): StockState {
  return { ...state, ...fields, version: state.version + count, updatedAt: at }
}

/** Whether the adjustment with this command id was applied already (among the remembered ones). */
export function adjustedBefore(state: StockState, commandId: string): boolean {
  return state.recentAdjustments?.includes(commandId) ?? false
}

/**
 * Changes on hand; refused (undefined) when on hand would go below reserved. The command id, when
 * given, is remembered (the latest ADJUSTMENT_MEMORY of them) for `adjustedBefore`.
 */
export function adjust(
  state: StockState,
  adjustment: { reason: AdjustmentReason; delta: number; reference: string | null },
  at: number,
  commandId?: string,
): Changed | undefined {
  const onHand = state.onHand + adjustment.delta
  if (onHand < state.reserved) return undefined
  const recentAdjustments =
    commandId === undefined
      ? state.recentAdjustments
      : [...(state.recentAdjustments ?? []), commandId].slice(-ADJUSTMENT_MEMORY)
  return {
    state: bump(state, { onHand, recentAdjustments }, 1, at),
    changes: [{ kind: 'adjusted', ...adjustment }],
  }
}

export type ReserveOutcome =
  | ({ readonly kind: 'reserved'; readonly reservation: Reservation } & Changed)
  /** The order holds a reservation here already: answered again the same, nothing changes. */
  | { readonly kind: 'already'; readonly reservation: Reservation }
  | { readonly kind: 'refused'; readonly available: number }

/** Sets `quantity` units aside for the order, all or nothing; `held` is what the order holds here. */
export function reserve(
  state: StockState,
  held: Reservation | undefined,
  request: { orderId: string; reservationId: string; quantity: number; expiresAt: number | null },
  at: number,
): ReserveOutcome {
  if (held !== undefined) return { kind: 'already', reservation: held }
  if (request.quantity > available(state)) return { kind: 'refused', available: available(state) }
  const reservation: Reservation = {
    reservationId: request.reservationId,
    quantity: request.quantity,
    expiresAt: request.expiresAt,
  }
  return {
    kind: 'reserved',
    reservation,
    state: bump(state, { reserved: state.reserved + request.quantity }, 1, at),
    changes: [{ kind: 'reserved', orderId: request.orderId, ...reservation }],
  }
}

/**
 * The order was confirmed: its reservation no longer expires. Undefined when there is nothing to do
 * (no reservation, or one confirmed already); otherwise the reservation as it is now.
 */
export function confirm(held: Reservation | undefined): Reservation | undefined {
  if (held === undefined || held.expiresAt === null) return undefined
  return { ...held, expiresAt: null }
}

/**
 * Ends the order's reservation `held`: its units return, or for FULFILLED they leave the warehouse (a
 * SALE adjustment of -quantity follows the release). Undefined when the order holds nothing here.
 */
export function release(
  state: StockState,
  held: Reservation | undefined,
  orderId: string,
  reason: ReleaseReason,
  at: number,
): (Changed & { readonly reservation: Reservation }) | undefined {
  if (held === undefined) return undefined
  const released: StockChange = {
    kind: 'released',
    orderId,
    reservationId: held.reservationId,
    quantity: held.quantity,
    reason,
  }
  const fulfilled = reason === 'FULFILLED'
  return {
    reservation: held,
    state: bump(
      state,
      {
        reserved: state.reserved - held.quantity,
        onHand: fulfilled ? state.onHand - held.quantity : state.onHand,
      },
      fulfilled ? 2 : 1,
      at,
    ),
    changes: fulfilled
      ? [released, { kind: 'adjusted', reason: 'SALE', delta: -held.quantity, reference: orderId }]
      : [released],
  }
}

/**
 * Low-stock watch after a change: a LowStock (the available units and the threshold) once per
 * crossing below the threshold, re-armed when available is back at or above it. A product without a
 * threshold is not watched.
 */
export function watchLowStock(
  state: StockState,
  threshold: number | null,
): { state: StockState; lowStock?: { available: number; threshold: number } } {
  const now = available(state)
  if (threshold === null || now >= threshold)
    return { state: state.belowThreshold ? { ...state, belowThreshold: false } : state }
  if (state.belowThreshold) return { state }
  return { state: { ...state, belowThreshold: true }, lowStock: { available: now, threshold } }
}
