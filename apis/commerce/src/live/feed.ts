import type { OrderState, OrderView } from '@oxagry/sink'

/** An order's status as the live feed sends it: `orders.order-status.v1` without the order's lines. */
export interface OrderStatusChange {
  readonly orderId: string
  readonly customerId: string
  readonly state: OrderState
  readonly paymentState: string | null
  readonly cancellationReason: string | null
  readonly note: string | null
  readonly currency: string
  readonly totalMinor: number
  readonly itemCount: number
  /** epoch ms */
  readonly placedAt: number
  readonly updatedAt: number
  /** Events folded into the status: a change with a lower version than one already sent is stale. */
  readonly version: number
}

/**
 * Where the feed's changes come from: the platform follows `orders.order-status.v1` and publishes each
 * decoded record; tests publish directly.
 */
export interface OrderStatusFeed {
  subscribe(listener: (change: OrderStatusChange) => void): () => void
}

/** A feed anyone can publish to: the platform's follower of the status topic, and tests. */
export class OrderStatusBroadcast implements OrderStatusFeed {
  private readonly listeners = new Set<(change: OrderStatusChange) => void>()

  publish(change: OrderStatusChange): void {
    for (const listener of this.listeners) listener(change)
  }

  subscribe(listener: (change: OrderStatusChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}

/** An order of the read model as a status change (snapshots are built from the read model). */
export function statusOf(order: OrderView): OrderStatusChange {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    state: order.state,
    paymentState: order.paymentState,
    cancellationReason: order.cancellationReason,
    note: order.note,
    currency: order.currency,
    totalMinor: order.totalMinor,
    itemCount: order.itemCount,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    version: order.version,
  }
}
