import type { OrderView } from '@oxagry/sink'

/**
 * An order's status as the live feed sends it: `orders.order-status.v1` without the order's lines. Its
 * `version` orders the changes: one lower than a change already sent is stale.
 */
export type OrderStatusChange = Omit<OrderView, 'lines'>

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
