/**
 * The orders view's writes as they become durable, for readers in the same process: a GET waiting for
 * an order's decision reads the view again when a write of that order lands, rather than polling it.
 * Where the view is written in another process, nobody tells this one and the reader polls as before.
 */
export class OrderWrites {
  private readonly watchers = new Map<string, Set<() => void>>()

  /** Says each order was written (its row, its deletion or a payment of it); after the durable write. */
  written(orderIds: Iterable<string>): void {
    for (const orderId of orderIds) {
      const watchers = this.watchers.get(orderId)
      if (watchers !== undefined) for (const watcher of [...watchers]) watcher()
    }
  }

  /** Calls `onWrite` after each write of the order until the returned function is called. */
  watch(orderId: string, onWrite: () => void): () => void {
    let watchers = this.watchers.get(orderId)
    if (watchers === undefined) this.watchers.set(orderId, (watchers = new Set()))
    watchers.add(onWrite)
    return () => {
      watchers.delete(onWrite)
      if (watchers.size === 0 && this.watchers.get(orderId) === watchers) this.watchers.delete(orderId)
    }
  }

  /** How many orders are watched: what the waits hold. */
  get watched(): number {
    return this.watchers.size
  }
}
