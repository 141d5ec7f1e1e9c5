-- The analysts' views over the commerce and fleet facts. Each reads the fact tables with FINAL, so it
-- aggregates deduplicated facts: a replayed or duplicated delivery inflates nothing, merged or not.
-- FINAL rather than argMax/uniqExact per key: it is exact for sums as well as counts, keeps the views
-- plain SQL over the facts' own columns, and the facts are partitioned by month, which FINAL collapses
-- partition by partition. Grains are in sinks/clickhouse/README.md.

-- The lines of the order as the orders application decided it: the first OrderPlaced of each order.
-- A later checkout with the same key and another body (refused as a duplicate) is left out.
CREATE VIEW IF NOT EXISTS order_lines_accepted AS
SELECT l.order_id AS order_id, l.line_no AS line_no, l.customer_id AS customer_id,
       l.product_id AS product_id, l.warehouse_id AS warehouse_id, l.quantity AS quantity,
       l.unit_price_minor AS unit_price_minor, l.quantity * l.unit_price_minor AS line_minor,
       l.currency AS currency, l.placed_at AS placed_at
FROM (SELECT * FROM order_lines FINAL) AS l
INNER JOIN (
    SELECT order_id, argMin(event_id, (placed_at, event_id)) AS event_id
    FROM order_lines FINAL
    GROUP BY order_id
) AS f ON l.order_id = f.order_id AND l.event_id = f.event_id;

-- Grain: hour (of the capture or refund) x currency x product x warehouse; category from products.
-- Revenue is captured minus refunded, each payment step spread over the order's lines in proportion
-- to their amounts (a full capture gives each line exactly its amount).
CREATE VIEW IF NOT EXISTS revenue_hourly AS
SELECT toStartOfHour(p.occurred_at) AS hour, p.currency AS currency, l.product_id AS product_id,
       if(d.category = '', 'UNKNOWN', d.category) AS category, l.warehouse_id AS warehouse_id,
       sum(if(p.kind = 'CAPTURED', 1, -1) * p.amount_minor * l.line_minor / l.order_minor) AS revenue_minor
FROM (
    SELECT order_id, kind, occurred_at, currency, amount_minor
    FROM payment_events FINAL
    WHERE kind IN ('CAPTURED', 'REFUNDED')
) AS p
INNER JOIN (
    SELECT order_id, product_id, warehouse_id, line_minor,
           sum(line_minor) OVER (PARTITION BY order_id) AS order_minor
    FROM order_lines_accepted
) AS l ON p.order_id = l.order_id
LEFT JOIN (SELECT product_id, category FROM products FINAL) AS d ON l.product_id = d.product_id
GROUP BY hour, currency, product_id, category, warehouse_id;

-- Grain: hour the order was placed (its cohort) x stage reached x cancellation reason ('' unless
-- the stage is CANCELLED). orders counts distinct orders.
CREATE VIEW IF NOT EXISTS order_funnel_hourly AS
SELECT toStartOfHour(p.placed_at) AS hour, e.kind AS stage, e.cancellation_reason AS cancellation_reason,
       uniqExact(e.order_id) AS orders
FROM (
    SELECT order_id, min(occurred_at) AS placed_at
    FROM order_events FINAL
    WHERE kind = 'PLACED'
    GROUP BY order_id
) AS p
INNER JOIN (SELECT order_id, kind, cancellation_reason FROM order_events FINAL) AS e ON p.order_id = e.order_id
GROUP BY hour, stage, cancellation_reason;

-- Grain: hour of the payment step x currency (of the payment) x outcome (the step) x failure reason.
CREATE VIEW IF NOT EXISTS payment_outcomes_hourly AS
SELECT toStartOfHour(e.occurred_at) AS hour, c.currency AS currency, e.kind AS outcome,
       e.failure_reason AS failure_reason, uniqExact(e.payment_id) AS payments,
       sum(e.amount_minor) AS amount_minor
FROM (SELECT payment_id, kind, occurred_at, failure_reason, amount_minor FROM payment_events FINAL) AS e
INNER JOIN (
    SELECT payment_id, anyIf(currency, currency != '') AS currency
    FROM payment_events FINAL
    GROUP BY payment_id
) AS c ON e.payment_id = c.payment_id
GROUP BY hour, currency, outcome, failure_reason;

-- Grain: day of the decision. decided: orders confirmed or cancelled that day; fraud_suspected: those
-- cancelled for suspected fraud; fraud_rate = fraud_suspected / decided.
CREATE VIEW IF NOT EXISTS fraud_daily AS
SELECT toDate(occurred_at) AS day,
       uniqExactIf(order_id, kind IN ('CONFIRMED', 'CANCELLED')) AS decided,
       uniqExactIf(order_id, kind = 'CANCELLED' AND cancellation_reason = 'FRAUD_SUSPECTED') AS fraud_suspected,
       if(decided = 0, 0, fraud_suspected / decided) AS fraud_rate
FROM order_events FINAL
GROUP BY day;

-- Grain: hour x product x warehouse. low_stock_alerts: LowStock events (available fell below the
-- threshold); empty_alerts: those with nothing left; lines_lost and units_lost: lines of orders
-- cancelled OUT_OF_STOCK (hour of the cancellation).
CREATE VIEW IF NOT EXISTS stock_outs_hourly AS
SELECT hour, product_id, warehouse_id, sum(low_stock_alerts) AS low_stock_alerts,
       sum(empty_alerts) AS empty_alerts, sum(lines_lost) AS lines_lost, sum(units_lost) AS units_lost
FROM (
    SELECT toStartOfHour(occurred_at) AS hour, toString(product_id) AS product_id,
           toString(warehouse_id) AS warehouse_id, toUInt64(1) AS low_stock_alerts,
           toUInt64(ifNull(available, 0) <= 0) AS empty_alerts, toUInt64(0) AS lines_lost,
           toInt64(0) AS units_lost
    FROM stock_movements FINAL
    WHERE kind = 'LOW_STOCK'
    UNION ALL
    SELECT toStartOfHour(c.cancelled_at) AS hour, toString(l.product_id) AS product_id,
           toString(l.warehouse_id) AS warehouse_id, toUInt64(0) AS low_stock_alerts,
           toUInt64(0) AS empty_alerts, toUInt64(1) AS lines_lost, toInt64(l.quantity) AS units_lost
    FROM (
        SELECT order_id, min(occurred_at) AS cancelled_at
        FROM order_events FINAL
        WHERE kind = 'CANCELLED' AND cancellation_reason = 'OUT_OF_STOCK'
        GROUP BY order_id
    ) AS c
    INNER JOIN order_lines_accepted AS l ON c.order_id = l.order_id
)
GROUP BY hour, product_id, warehouse_id;

-- Grain: day the session started x machine. Time in trips and idle periods (engine on, not working),
-- trips and their kilometres; utilisation = trip time / (trip + idle time). A session is counted on
-- the day it started, in its latest version (open sessions included).
CREATE VIEW IF NOT EXISTS machine_utilisation_daily AS
SELECT toDate(started_at) AS day, toString(machine_id) AS machine_id,
       countIf(kind = 'TRIP') AS trips,
       sumIf(dateDiff('millisecond', started_at, ended_at), kind = 'TRIP') / 1000 AS trip_seconds,
       sumIf(dateDiff('millisecond', started_at, ended_at), kind = 'IDLE') / 1000 AS idle_seconds,
       sumIf(distance_meters, kind = 'TRIP') / 1000 AS trip_km,
       if(trip_seconds + idle_seconds = 0, 0, trip_seconds / (trip_seconds + idle_seconds)) AS utilisation
FROM machine_sessions FINAL
GROUP BY day, machine_id;
