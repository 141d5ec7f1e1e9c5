import type { CommerceViewTopics } from '../modules/commerce-views.ts'
import type { COMMERCE } from './topics.ts'

/**
 * A commerce sink as the platform runs it: its consumer group (before the platform's prefix), the
 * commerce topics it stores and the one it dead-letters to, by their keys in `COMMERCE`. The modules
 * start their sinks from these, and deploy/ computes the sinks' ACLs from the same.
 */
export interface CommerceSinkSpec<K extends keyof typeof COMMERCE = keyof typeof COMMERCE> {
  readonly group: string
  readonly topics: readonly K[]
  readonly deadLetters: K
}

/** The commerce views' sinks (tools/main/src/modules/commerce-views.ts), by the name they run under. */
export const COMMERCE_VIEW_SINKS = {
  'postgres-orders': {
    group: 'sink-postgres-orders',
    topics: ['orderEvents', 'orderStatus'],
    deadLetters: 'ordersDeadLetters',
  },
  'postgres-payments': {
    group: 'sink-postgres-payments',
    topics: ['paymentEvents'],
    deadLetters: 'paymentsDeadLetters',
  },
  stock: { group: 'sink-stock', topics: ['stockLevels'], deadLetters: 'inventoryDeadLetters' },
  'stock-reservations': {
    group: 'sink-stock-reservations',
    topics: ['stockEvents'],
    deadLetters: 'inventoryDeadLetters',
  },
} as const satisfies Record<string, CommerceSinkSpec<keyof CommerceViewTopics>>

/** The analysts' commerce facts into ClickHouse, one sink (tools/main/src/modules/commerce-facts.ts). */
export const COMMERCE_FACTS_SINK = {
  group: 'sink-clickhouse-commerce',
  topics: ['orderEvents', 'orderStatus', 'paymentEvents', 'stockEvents', 'products'],
  deadLetters: 'ordersDeadLetters',
} as const satisfies CommerceSinkSpec
