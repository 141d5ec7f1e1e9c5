import type { OrderStatus } from '@oxagry/avro'
import type { OrderLineView, OrderView, ReservationView, StockView } from './commerce-views.ts'
import {
  stockKey,
  toStockView,
  type CommerceWrite,
  type PaymentStep,
  type ReservationWrite,
  type StockWrite,
} from './commerce-writes.ts'
import { assertNever } from './write-models.ts'

/**
 * One order's row as a batch leaves it: what a guarded upsert writes. `lines` is null while only the
 * status is known; `version` is 0 while only the placement is.
 */
export type OrderRow = Omit<OrderView, 'lines'> & { readonly lines: readonly OrderLineView[] | null }

/** What a batch of commerce writes comes to: one change per key. */
export interface ConflatedCommerce {
  /** One row per order, by orderId. */
  readonly orders: readonly OrderRow[]
  /**
   * Orders whose status was tombstoned after anything else the batch said of them, by orderId, with the
   * highest status version the batch saw before the tombstone (0 if none): the store keeps that much of
   * a deleted order, so a replayed older status cannot bring it back.
   */
  readonly deletedOrders: readonly DeletedOrder[]
  /**
   * Every payment step once (by event id, at its first position), by paymentId then position: the store
   * folds those past its row's position whose event it has not folded yet.
   */
  readonly paymentSteps: readonly PaymentStep[]
}

export interface DeletedOrder {
  readonly orderId: string
  readonly version: number
}

interface Placement {
  readonly customerId: string
  readonly currency: string
  readonly lines: readonly OrderLineView[]
  readonly placedAt: number
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function rowOf(orderId: string, placement: Placement | undefined, status: OrderStatus | undefined): OrderRow {
  if (status !== undefined)
    return {
      orderId,
      customerId: status.customerId,
      state: status.state,
      paymentState: status.paymentState,
      cancellationReason: status.cancellationReason,
      note: status.note,
      currency: status.currency,
      totalMinor: status.totalMinor,
      itemCount: status.itemCount,
      lines: placement?.lines ?? null,
      placedAt: placement?.placedAt ?? status.placedAt,
      updatedAt: status.updatedAt,
      version: status.version,
    }
  if (placement === undefined) throw new TypeError(`order ${orderId} has neither placement nor status`)
  return {
    orderId,
    customerId: placement.customerId,
    state: 'PLACED',
    paymentState: null,
    cancellationReason: null,
    note: null,
    currency: placement.currency,
    totalMinor: placement.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0),
    itemCount: placement.lines.length,
    lines: placement.lines,
    placedAt: placement.placedAt,
    updatedAt: placement.placedAt,
    version: 0,
  }
}

/**
 * Conflates a batch per key, in any order of arrival: per order the highest status version and the
 * first placement (OrderPlaced is immutable; a duplicate says the same), merged into one row; a
 * tombstone later in the status partition than the kept status deletes the order (and drops what the
 * batch said of it, but for its version). Payment steps stay separate: refunds add up, so each step counts once, which only
 * the store can decide against the position it holds.
 */
export function conflateCommerce(writes: readonly CommerceWrite[]): ConflatedCommerce {
  const placements = new Map<string, Placement>()
  const statuses = new Map<string, { status: OrderStatus; position: number }>()
  const tombstones = new Map<string, number>()
  const steps = new Map<string, PaymentStep>()
  for (const write of writes) {
    switch (write.kind) {
      case 'order-placed':
        if (!placements.has(write.orderId))
          placements.set(write.orderId, {
            customerId: write.customerId,
            currency: write.currency,
            lines: write.lines,
            placedAt: write.placedAt,
          })
        break
      case 'order-status': {
        const current = statuses.get(write.status.orderId)
        if (current === undefined || write.status.version >= current.status.version)
          statuses.set(write.status.orderId, { status: write.status, position: write.position })
        break
      }
      case 'order-deleted':
        tombstones.set(write.orderId, Math.max(write.position, tombstones.get(write.orderId) ?? -1))
        break
      case 'payment-step': {
        // By event id: a re-delivered record and a producer's re-send of the event are one step.
        const seen = steps.get(write.step.eventId)
        if (seen === undefined || write.step.position < seen.position)
          steps.set(write.step.eventId, write.step)
        break
      }
      default:
        assertNever(write, 'commerce write')
    }
  }
  const deletedOrders: DeletedOrder[] = []
  for (const [orderId, position] of tombstones) {
    const status = statuses.get(orderId)
    if (status === undefined || status.position < position) {
      deletedOrders.push({ orderId, version: status?.status.version ?? 0 })
      statuses.delete(orderId)
      placements.delete(orderId)
    }
  }
  const ids = new Set([...placements.keys(), ...statuses.keys()])
  const orders = [...ids].sort(byString).map((id) => rowOf(id, placements.get(id), statuses.get(id)?.status))
  const paymentSteps = [...steps.values()].sort(
    (a, b) => byString(a.paymentId, b.paymentId) || a.position - b.position,
  )
  return {
    orders,
    deletedOrders: deletedOrders.sort((a, b) => byString(a.orderId, b.orderId)),
    paymentSteps,
  }
}

export interface StockKey {
  readonly productId: string
  readonly warehouseId: string
}

export interface ConflatedStock {
  /** The highest version per product and warehouse, by key. */
  readonly levels: readonly StockView[]
  /** Keys whose last word in the batch was a tombstone. */
  readonly deleted: readonly StockKey[]
}

/** Conflates stock writes per key: the highest version, unless a later tombstone deletes the key. */
export function conflateStock(writes: readonly StockWrite[]): ConflatedStock {
  const levels = new Map<string, { view: StockView; position: number }>()
  const tombstones = new Map<string, { key: StockKey; position: number }>()
  for (const write of writes) {
    switch (write.kind) {
      case 'stock-level': {
        const key = stockKey(write.level.productId, write.level.warehouseId)
        const current = levels.get(key)
        if (current === undefined || write.level.version >= current.view.version)
          levels.set(key, { view: toStockView(write.level), position: write.position })
        break
      }
      case 'stock-deleted': {
        const key = stockKey(write.productId, write.warehouseId)
        const current = tombstones.get(key)
        if (current === undefined || write.position > current.position)
          tombstones.set(key, {
            key: { productId: write.productId, warehouseId: write.warehouseId },
            position: write.position,
          })
        break
      }
      default:
        assertNever(write, 'stock write')
    }
  }
  const deleted: StockKey[] = []
  for (const [key, tombstone] of tombstones) {
    const level = levels.get(key)
    if (level === undefined || level.position < tombstone.position) {
      deleted.push(tombstone.key)
      levels.delete(key)
    }
  }
  const order = (a: StockKey, b: StockKey) =>
    byString(a.productId, b.productId) || byString(a.warehouseId, b.warehouseId)
  return {
    levels: [...levels.values()].map((l) => l.view).sort(order),
    deleted: deleted.sort(order),
  }
}

export interface ConflatedReservations {
  /**
   * One row per reservation, by reservationId, folded from the batch's steps in record order; `version`
   * is the last step's position. `reservedAt` and `expiresAt` are null when the batch holds no
   * StockReserved of the reservation: the store keeps what it has for them. Every other field is the
   * reservation as of the batch's last step.
   */
  readonly reservations: readonly ReservationView[]
}

/** Conflates reservation steps per reservation: one row each, whatever the order of arrival. */
export function conflateReservations(writes: readonly ReservationWrite[]): ConflatedReservations {
  const rows = new Map<string, ReservationView>()
  // A reservation's events share its stock key's partition, so position is their order.
  const steps = writes.map((w) => w.step).sort((a, b) => a.position - b.position)
  for (const step of steps) {
    const held = rows.get(step.reservationId)
    if (held !== undefined && held.version === step.position) continue
    const reserved = step.state === 'RESERVED'
    rows.set(step.reservationId, {
      reservationId: step.reservationId,
      orderId: step.orderId,
      productId: step.productId,
      warehouseId: step.warehouseId,
      quantity: step.quantity,
      state: step.state,
      expiresAt: reserved ? step.expiresAt : (held?.expiresAt ?? null),
      reservedAt: reserved ? step.occurredAt : (held?.reservedAt ?? null),
      releasedAt: reserved ? null : step.occurredAt,
      updatedAt: step.occurredAt,
      version: step.position,
    })
  }
  return { reservations: [...rows.values()].sort((a, b) => byString(a.reservationId, b.reservationId)) }
}
