import { Gauge, type Registry } from 'prom-client'
import type { OrderHub } from './live/hub.ts'

/** The commerce API's own metrics; its requests are counted by the shared HTTP metrics. */
export const COMMERCE_METRICS = {
  feedClients: 'oxagry_api_orders_ws_clients',
  feedLaggingClients: 'oxagry_api_orders_ws_lagging_clients',
  feedSent: 'oxagry_api_orders_ws_sent',
} as const

/** Gauges of the order-status feed, read from the hub when scraped. */
export function registerCommerceMetrics(registry: Registry, hub: OrderHub): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge(
    COMMERCE_METRICS.feedClients,
    'Open WebSocket clients of the order-status feed',
    () => hub.stats().clients,
  )
  gauge(
    COMMERCE_METRICS.feedLaggingClients,
    'Order-feed clients skipped at the last flush because their socket is over the high-water mark',
    () => hub.stats().laggingClients,
  )
  gauge(
    COMMERCE_METRICS.feedSent,
    'Order statuses sent in update frames since the start',
    () => hub.stats().sent,
  )
}
