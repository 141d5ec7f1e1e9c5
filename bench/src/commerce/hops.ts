import { percentile } from '../stats.ts'
import type { HopPoint } from './run.ts'

/** The hops of an order's decision, each between two broker append times, and who spends it. */
export const HOPS: readonly { name: string; from: HopPoint; to: HopPoint; who: string }[] = [
  { name: 'placed → reserve commands', from: 'placed', to: 'reserveCommand', who: 'orders' },
  {
    name: 'reserve → inventory answer',
    from: 'reserveCommand',
    to: 'inventoryAnswer',
    who: 'inventory (+ repartition)',
  },
  { name: 'placed → authorise command', from: 'placed', to: 'authoriseCommand', who: 'orders' },
  {
    name: 'authorise → provider outcome',
    from: 'authoriseCommand',
    to: 'authorised',
    who: 'payment gateway',
  },
  { name: 'outcome → payment answer', from: 'authorised', to: 'paymentAnswer', who: 'payments' },
  { name: 'placed → fraud answer', from: 'placed', to: 'fraudAnswer', who: 'payments (+ repartition)' },
  { name: 'last answer → decision', from: 'inventoryAnswer', to: 'decision', who: 'orders' },
]

export interface HopStats {
  readonly hop: string
  readonly count: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
}

/**
 * p50 and p99 of each hop over the orders that have both ends. The last hop starts at the latest of
 * the three answers, whichever it was.
 */
export function hopTimes(orders: ReadonlyMap<string, Partial<Record<HopPoint, number>>>): HopStats[] {
  return HOPS.map((hop) => {
    const spans: number[] = []
    for (const points of orders.values()) {
      const to = points[hop.to]
      const from =
        hop.to === 'decision'
          ? Math.max(points.inventoryAnswer ?? NaN, points.paymentAnswer ?? NaN, points.fraudAnswer ?? NaN)
          : points[hop.from]
      if (to !== undefined && from !== undefined && Number.isFinite(from)) spans.push(Math.max(0, to - from))
    }
    return {
      hop: hop.name,
      count: spans.length,
      p50Ms: spans.length === 0 ? null : percentile(spans, 50),
      p99Ms: spans.length === 0 ? null : percentile(spans, 99),
    }
  })
}
