-- Commerce facts for analysts: one row per event, as the topics carry them.
-- Every fact table is a ReplacingMergeTree whose sorting key ends with the event's identity (eventId, or
-- the order / product for the latest-state tables), so a re-delivered record or a batch written twice
-- after a crash collapses to one row at merge time; every view and example reads the tables with FINAL,
-- which collapses what is not merged yet. insert_deduplication_token (non_replicated_deduplication_window)
-- keeps a retried batch from even creating the duplicate part.
-- Ids are String: the contracts' ids are strings (most are name-based UUIDs, not all).

-- orders.order-events.v1: every lifecycle step of an order. customer_id, currency, total_minor and
-- item_count are set on PLACED rows; cancellation_reason on CANCELLED; delivered_at on COMPLETED.
CREATE TABLE IF NOT EXISTS order_events
(
    event_id String,
    order_id String,
    kind LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    customer_id String,
    currency LowCardinality(String),
    total_minor Int64,
    item_count UInt32,
    cancellation_reason LowCardinality(String),
    note String,
    delivered_at Nullable(DateTime64(3, 'UTC')),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (order_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- The lines of every OrderPlaced, one row per line (line_no from 0). A checkout sent again with another
-- body under the same key carries another event_id: both bodies are kept here, and the view
-- order_lines_accepted keeps the first, the one the orders application decided.
CREATE TABLE IF NOT EXISTS order_lines
(
    event_id String,
    order_id String,
    line_no UInt16,
    customer_id String,
    product_id LowCardinality(String),
    warehouse_id LowCardinality(String),
    quantity Int64,
    unit_price_minor Int64,
    currency LowCardinality(String),
    placed_at DateTime64(3, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(placed_at)
ORDER BY (order_id, event_id, line_no)
SETTINGS non_replicated_deduplication_window = 1000;

-- orders.order-status.v1: the latest status of each order; version is the status record's own
-- version (events folded in), so ReplacingMergeTree(version) keeps the newest and a late duplicate
-- never moves an order back. placed_at never changes for an order, so it may partition.
CREATE TABLE IF NOT EXISTS orders
(
    order_id String,
    customer_id String,
    state LowCardinality(String),
    payment_state LowCardinality(String),
    total_minor Int64,
    currency LowCardinality(String),
    item_count UInt32,
    placed_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    cancellation_reason LowCardinality(String),
    note String,
    version UInt64,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(placed_at)
ORDER BY order_id
SETTINGS non_replicated_deduplication_window = 1000;

-- payments.payment-events.v1: every step of every payment. amount_minor and currency are empty on
-- FAILED (the contract carries neither); views take a payment's currency from its other steps.
CREATE TABLE IF NOT EXISTS payment_events
(
    event_id String,
    payment_id String,
    order_id String,
    kind LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    amount_minor Int64,
    currency LowCardinality(String),
    method LowCardinality(String),
    failure_reason LowCardinality(String),
    refund_reason String,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (order_id, payment_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- inventory.stock-events.v1 as movements: what each event did to on-hand and reserved units.
-- ADJUSTED moves on_hand by its delta (reason RECEIPT, SALE or CORRECTION); RESERVED adds to reserved;
-- RELEASED takes from reserved (reason ORDER_CANCELLED, EXPIRED or FULFILLED: a SALE follows);
-- LOW_STOCK moves nothing and carries available and threshold.
CREATE TABLE IF NOT EXISTS stock_movements
(
    event_id String,
    product_id LowCardinality(String),
    warehouse_id LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    reason LowCardinality(String),
    on_hand_delta Int64,
    reserved_delta Int64,
    order_id String,
    reservation_id String,
    available Nullable(Int64),
    threshold Nullable(Int64),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (product_id, warehouse_id, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- inventory.products.v1 (compacted, keyed by productId) as a dimension: the category of each product
-- for revenue by category. The contract carries category; version is the record's position in the
-- topic (partition * 2^40 + offset: one product is always on one partition), so the newest wins.
CREATE TABLE IF NOT EXISTS products
(
    product_id String,
    name String,
    category LowCardinality(String),
    unit String,
    unit_price_minor Int64,
    currency LowCardinality(String),
    low_stock_threshold Nullable(Int64),
    active UInt8,
    version UInt64,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY product_id
SETTINGS non_replicated_deduplication_window = 1000;
