/**
 * The analysts' example queries: the README's guide shows each one (a test checks it does, word for
 * word) and a test in the main job runs each against facts sunk from a simulated market and compares
 * the answer with the same figure computed from the event log. Every example orders its rows fully,
 * so answers compare row by row.
 */
export interface AnalystExample {
  /** Stable id, the key the tests' independent computations are registered under. */
  readonly id: string
  /** What it answers, as the README's heading. */
  readonly title: string
  readonly sql: string
}

export const ANALYST_EXAMPLES: readonly AnalystExample[] = [
  {
    id: 'revenue-by-currency-category',
    title: 'Net revenue by currency and category',
    sql: `SELECT currency, category, round(sum(revenue_minor) / 100, 2) AS revenue
FROM revenue_hourly
GROUP BY currency, category
ORDER BY currency, category`,
  },
  {
    id: 'top-products',
    title: 'The five products that earned most, per currency',
    sql: `SELECT currency, product_id, round(sum(revenue_minor) / 100, 2) AS revenue
FROM revenue_hourly
GROUP BY currency, product_id
ORDER BY currency, revenue DESC, product_id
LIMIT 5 BY currency`,
  },
  {
    id: 'revenue-by-warehouse-hour',
    title: 'Net revenue per warehouse and hour',
    sql: `SELECT hour, warehouse_id, currency, round(sum(revenue_minor) / 100, 2) AS revenue
FROM revenue_hourly
GROUP BY hour, warehouse_id, currency
ORDER BY hour, warehouse_id, currency`,
  },
  {
    id: 'funnel',
    title: 'The order funnel: orders placed, confirmed, completed and cancelled',
    sql: `SELECT stage, sum(orders) AS orders
FROM order_funnel_hourly
GROUP BY stage
ORDER BY stage`,
  },
  {
    id: 'cancellations-by-reason',
    title: 'Cancelled orders by reason',
    sql: `SELECT cancellation_reason, sum(orders) AS orders
FROM order_funnel_hourly
WHERE stage = 'CANCELLED'
GROUP BY cancellation_reason
ORDER BY cancellation_reason`,
  },
  {
    id: 'conversion',
    title: 'Share of placed orders that completed, per placement hour',
    sql: `SELECT hour,
       sumIf(orders, stage = 'PLACED') AS placed,
       sumIf(orders, stage = 'COMPLETED') AS completed,
       round(completed / placed, 4) AS completion_rate
FROM order_funnel_hourly
GROUP BY hour
ORDER BY hour`,
  },
  {
    id: 'payment-outcomes',
    title: 'Payments by outcome, with amounts',
    sql: `SELECT outcome, currency, sum(payments) AS payments, sum(amount_minor) AS amount_minor
FROM payment_outcomes_hourly
GROUP BY outcome, currency
ORDER BY outcome, currency`,
  },
  {
    id: 'payment-failures',
    title: 'Failed payments by reason',
    sql: `SELECT failure_reason, sum(payments) AS payments
FROM payment_outcomes_hourly
WHERE outcome = 'FAILED'
GROUP BY failure_reason
ORDER BY failure_reason`,
  },
  {
    id: 'fraud-rate',
    title: 'Fraud rate: decided orders cancelled for suspected fraud',
    sql: `SELECT sum(decided) AS decided, sum(fraud_suspected) AS fraud_suspected,
       round(fraud_suspected / decided, 4) AS fraud_rate
FROM fraud_daily`,
  },
  {
    id: 'stock-outs',
    title: 'Stock-outs per product and warehouse',
    sql: `SELECT product_id, warehouse_id, sum(low_stock_alerts) AS low_stock_alerts,
       sum(empty_alerts) AS empty_alerts, sum(lines_lost) AS lines_lost, sum(units_lost) AS units_lost
FROM stock_outs_hourly
GROUP BY product_id, warehouse_id
ORDER BY product_id, warehouse_id`,
  },
  {
    id: 'units-sold',
    title: 'Units delivered per category (completed orders)',
    sql: `SELECT p.category AS category, sum(l.quantity) AS units
FROM order_lines_accepted AS l
INNER JOIN (SELECT order_id FROM orders FINAL WHERE state = 'COMPLETED') AS o ON l.order_id = o.order_id
INNER JOIN (SELECT product_id, category FROM products FINAL) AS p ON l.product_id = p.product_id
GROUP BY category
ORDER BY category`,
  },
  {
    id: 'orders-by-state',
    title: 'Orders by current state, with their value',
    sql: `SELECT state, currency, count() AS orders, sum(total_minor) AS total_minor
FROM orders FINAL
GROUP BY state, currency
ORDER BY state, currency`,
  },
  {
    id: 'stock-on-hand',
    title: 'Units on hand and reserved per warehouse, from the stock movements',
    sql: `SELECT warehouse_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
FROM stock_movements FINAL
GROUP BY warehouse_id
ORDER BY warehouse_id`,
  },
  {
    id: 'machine-utilisation',
    title: 'Machine utilisation: share of engine-on time spent on trips, per machine',
    sql: `SELECT machine_id, sum(trips) AS trips, round(sum(trip_km), 3) AS trip_km,
       round(sum(trip_seconds) / (sum(trip_seconds) + sum(idle_seconds)), 4) AS utilisation
FROM machine_utilisation_daily
GROUP BY machine_id
ORDER BY machine_id`,
  },
]
