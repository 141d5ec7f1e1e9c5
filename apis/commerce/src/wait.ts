import type { CommerceReadModel, OrderState, OrderView } from '@oxagry/sink'
import type { OrderStatusChange, OrderStatusFeed } from './live/feed.ts'

/** What `GET /orders/{id}?waitFor=` may wait for: a state, or `decision` (confirmed or cancelled). */
export type WaitTarget = OrderState | 'decision'

/** How far each state is along the lifecycle; CANCELLED and COMPLETED end it. */
const STEP: Readonly<Record<OrderState, number>> = {
  PLACED: 0,
  CONFIRMED: 1,
  COMPLETED: 2,
  CANCELLED: 2,
  UNKNOWN: 0,
}

/**
 * Whether waiting for `target` is over: the order is there, past it, or ended elsewhere (waiting for
 * CONFIRMED ends at CANCELLED: it will never be confirmed).
 */
export function waitOver(order: Pick<OrderView, 'state'>, target: WaitTarget): boolean {
  if (target === 'decision') return order.state !== 'PLACED' && order.state !== 'UNKNOWN'
  if (order.state === target) return true
  return STEP[order.state] >= STEP[target] && order.state !== 'UNKNOWN'
}

export interface WaitOptions {
  readonly timeoutMs: number
  /**
   * How often the read model is read once the change waited for reached Kafka (the view catching up),
   * or all along without hints.
   */
  readonly pollMs: number
  /**
   * Changes as they reach Kafka: until one ends the wait, the read model is read only every
   * `idlePollMs` (a safety net should a change not come), then every `pollMs` until it shows it.
   */
  readonly hints?: DecisionHints
  readonly idlePollMs?: number
  /** Ends the wait early (the client went away). */
  readonly signal?: AbortSignal
}

export const DEFAULT_IDLE_POLL_MS = 1_000

/**
 * Order status changes as they reach Kafka (the live feed's), by order id, for the waits: one
 * subscription to the feed for all of them, and the newest change of the last `keep` orders kept, since
 * a decision may reach Kafka before the GET that waits for it starts.
 */
export class DecisionHints {
  private readonly watchers = new Map<string, Set<(change: OrderStatusChange) => void>>()
  private readonly recent = new Map<string, OrderStatusChange>()
  private readonly unsubscribe: () => void

  constructor(
    feed: OrderStatusFeed,
    private readonly keep = 10_000,
  ) {
    this.unsubscribe = feed.subscribe((change) => {
      this.recent.delete(change.orderId)
      this.recent.set(change.orderId, change)
      if (this.recent.size > this.keep) this.recent.delete(this.recent.keys().next().value as string)
      for (const watcher of this.watchers.get(change.orderId) ?? []) watcher(change)
    })
  }

  /** Calls `watcher` with the order's newest change seen so far, if any, then with each that follows. */
  watch(orderId: string, watcher: (change: OrderStatusChange) => void): () => void {
    const seen = this.recent.get(orderId)
    if (seen !== undefined) watcher(seen)
    const set = this.watchers.get(orderId) ?? new Set()
    set.add(watcher)
    this.watchers.set(orderId, set)
    return () => {
      set.delete(watcher)
      if (set.size === 0) this.watchers.delete(orderId)
    }
  }

  /** Orders a wait is watching. */
  get watched(): number {
    return this.watchers.size
  }

  close(): void {
    this.unsubscribe()
    this.watchers.clear()
  }
}

/**
 * Reads the order from the read model until `target` is reached or the time is up: read-your-writes,
 * since the answer comes from the very store a plain GET reads, never from the feed or the event log
 * (the feed only says when reading again is worth it). Returns the last read (undefined when the order
 * never appeared) and whether the wait was satisfied.
 */
export async function waitForOrder(
  model: Pick<CommerceReadModel, 'getOrder'>,
  orderId: string,
  target: WaitTarget,
  options: WaitOptions,
): Promise<{ order: OrderView | undefined; satisfied: boolean }> {
  const deadline = Date.now() + options.timeoutMs
  let reached = options.hints === undefined
  let wake: (() => void) | undefined
  const unwatch = options.hints?.watch(orderId, (change) => {
    if (reached || !waitOver(change, target)) return
    reached = true
    wake?.()
  })
  try {
    for (;;) {
      const order = await model.getOrder(orderId)
      if (order !== undefined && waitOver(order, target)) return { order, satisfied: true }
      const left = deadline - Date.now()
      if (left <= 0 || options.signal?.aborted === true) return { order, satisfied: false }
      const interval = reached ? options.pollMs : (options.idlePollMs ?? DEFAULT_IDLE_POLL_MS)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', done)
          wake = undefined
          resolve()
        }
        const timer = setTimeout(done, Math.min(interval, left))
        options.signal?.addEventListener('abort', done)
        wake = done
      })
    }
  } finally {
    unwatch?.()
  }
}
