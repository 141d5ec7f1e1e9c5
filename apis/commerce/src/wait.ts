import type { CommerceReadModel, OrderState, OrderView } from '@oxagry/sink'

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
export function waitOver(order: OrderView, target: WaitTarget): boolean {
  if (target === 'decision') return order.state !== 'PLACED' && order.state !== 'UNKNOWN'
  if (order.state === target) return true
  return STEP[order.state] >= STEP[target] && order.state !== 'UNKNOWN'
}

export interface WaitOptions {
  readonly timeoutMs: number
  /** How often the read model is asked again. */
  readonly pollMs: number
  /** Ends the wait early (the client went away). */
  readonly signal?: AbortSignal
}

/**
 * Reads the order from the read model until `target` is reached or the time is up: read-your-writes,
 * since the answer comes from the very store a plain GET reads, never from the feed or the event log.
 * Returns the last read (undefined when the order never appeared) and whether the wait was satisfied.
 */
export async function waitForOrder(
  model: Pick<CommerceReadModel, 'getOrder'>,
  orderId: string,
  target: WaitTarget,
  options: WaitOptions,
): Promise<{ order: OrderView | undefined; satisfied: boolean }> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const order = await model.getOrder(orderId)
    if (order !== undefined && waitOver(order, target)) return { order, satisfied: true }
    const left = deadline - Date.now()
    if (left <= 0 || options.signal?.aborted === true) return { order, satisfied: false }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs, left)))
  }
}
