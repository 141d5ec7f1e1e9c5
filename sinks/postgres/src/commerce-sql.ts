import type { PostgresMigration } from './migrations.ts'

/** The commerce views' table names (lowercase identifiers, spliced into SQL once checked). */
export interface CommerceTables {
  readonly orders: string
  readonly payments: string
}

/** Epoch milliseconds to timestamptz, exactly (an interval counts microseconds). */
export const fromMs = (expr: string): string =>
  `('epoch'::timestamptz + (${expr}) * interval '1 millisecond')`
/** timestamptz to epoch milliseconds as a float8 the reader rounds (extract is exact numeric). */
export const toMs = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`

/**
 * The versioned DDL. Orders are read newest placement first (the list, per customer, per state);
 * payments by order, oldest first. `lines` stays null until the order's OrderPlaced is seen, `version`
 * 0 until its first status.
 */
export function commerceMigrations(t: CommerceTables): PostgresMigration[] {
  const { orders: o, payments: p } = t
  return [
    {
      version: 1,
      name: 'orders_and_payments',
      sql: `
CREATE TABLE IF NOT EXISTS ${o} (
  order_id text COLLATE "C" PRIMARY KEY,
  customer_id text COLLATE "C" NOT NULL,
  state text NOT NULL,
  payment_state text,
  cancellation_reason text,
  note text,
  currency text NOT NULL,
  total_minor bigint NOT NULL,
  item_count integer NOT NULL,
  lines jsonb,
  placed_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ${o}_placed ON ${o} (placed_at DESC, order_id);
CREATE INDEX IF NOT EXISTS ${o}_customer_placed ON ${o} (customer_id, placed_at DESC, order_id);
CREATE INDEX IF NOT EXISTS ${o}_state_placed ON ${o} (state, placed_at DESC, order_id);
CREATE TABLE IF NOT EXISTS ${p} (
  payment_id text COLLATE "C" PRIMARY KEY,
  order_id text COLLATE "C" NOT NULL,
  state text NOT NULL,
  amount_minor bigint,
  currency text,
  method text,
  failure_reason text,
  refunded_minor bigint NOT NULL,
  event_ids text[] NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ${p}_order ON ${p} (order_id, created_at, payment_id)`,
    },
  ]
}

/** Row types of the JSON the write statement takes ($2 orders, $3 payment steps). */
const ORDER_COLUMNS = `order_id text, customer_id text, state text, payment_state text,
  cancellation_reason text, note text, currency text, total_minor bigint, item_count integer, lines jsonb,
  placed_at bigint, updated_at bigint, version bigint`
const STEP_COLUMNS = `event_id text, payment_id text, order_id text, state text, amount_minor bigint, currency text,
  method text, failure_reason text, refund_minor bigint, occurred_at bigint, position bigint`

/** Takes the stored value unless the incoming status is newer. */
const newer = (column: string): string =>
  `${column} = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.${column} ELSE t.${column} END`

/**
 * A whole batch in one statement, hence one round trip and one transaction: $1 the orders to delete,
 * $2 the conflated order rows and $3 the payment steps (JSON arrays).
 *
 * - A deleted order stays as a marker (`deleted`, its highest status version) that reads never return:
 *   OrderPlaced comes from another topic, so a late or replayed placement would otherwise bring the row
 *   back, and so would a replayed older status. Only a status of a higher version revives it.
 * - An order's status fields move only to a higher version; its lines are set once, whichever of
 *   placement and status came first. A row that changes neither is not touched (nor counted).
 * - A payment folds only the steps past the position its row holds and not folded before (by event
 *   id: a producer's re-send lands at a new position): the last step's state, the latest amount, method
 *   and failure reason named, and the refunds added up, so no step counts twice.
 *
 * Returns one row: how many orders were deleted and upserted, how many payments upserted.
 */
export function commerceWriteSql(t: CommerceTables): string {
  const { orders: o, payments: p } = t
  return `
WITH deleted AS (
  INSERT INTO ${o} AS t (order_id, customer_id, state, currency, total_minor, item_count, placed_at,
    updated_at, version, deleted)
  SELECT order_id, '', 'UNKNOWN', '', 0, 0, 'epoch', 'epoch', version, true
  FROM jsonb_to_recordset($1::jsonb) AS d(order_id text, version bigint)
  ON CONFLICT (order_id) DO UPDATE SET
    deleted = true, version = GREATEST(t.version, EXCLUDED.version), written_at = now()
  WHERE NOT t.deleted
  RETURNING 1
), orders AS (
  INSERT INTO ${o} AS t (order_id, customer_id, state, payment_state, cancellation_reason, note, currency,
    total_minor, item_count, lines, placed_at, updated_at, version)
  SELECT order_id, customer_id, state, payment_state, cancellation_reason, note, currency, total_minor,
    item_count, lines, ${fromMs('placed_at')}, ${fromMs('updated_at')}, version
  FROM jsonb_to_recordset($2::jsonb) AS x(${ORDER_COLUMNS})
  ON CONFLICT (order_id) DO UPDATE SET
    lines = COALESCE(t.lines, EXCLUDED.lines),
    customer_id = CASE WHEN t.deleted THEN EXCLUDED.customer_id ELSE t.customer_id END,
    currency = CASE WHEN t.deleted THEN EXCLUDED.currency ELSE t.currency END,
    placed_at = CASE WHEN t.deleted THEN EXCLUDED.placed_at ELSE t.placed_at END,
    ${newer('state')},
    ${newer('payment_state')},
    ${newer('cancellation_reason')},
    ${newer('note')},
    ${newer('total_minor')},
    ${newer('item_count')},
    ${newer('updated_at')},
    version = GREATEST(t.version, EXCLUDED.version),
    deleted = t.deleted AND EXCLUDED.version <= t.version,
    written_at = now()
  WHERE EXCLUDED.version > t.version OR (t.lines IS NULL AND EXCLUDED.lines IS NOT NULL AND NOT t.deleted)
  RETURNING 1
), steps AS (
  SELECT s.* FROM jsonb_to_recordset($3::jsonb) AS s(${STEP_COLUMNS})
  LEFT JOIN ${p} stored ON stored.payment_id = s.payment_id
  WHERE stored.version IS NULL OR (s.position > stored.version AND NOT s.event_id = ANY(stored.event_ids))
), folded AS (
  SELECT payment_id,
    array_agg(event_id ORDER BY position) AS event_ids,
    (array_agg(order_id ORDER BY position DESC))[1] AS order_id,
    (array_agg(state ORDER BY position DESC))[1] AS state,
    (array_agg(amount_minor ORDER BY position DESC) FILTER (WHERE amount_minor IS NOT NULL))[1] AS amount_minor,
    (array_agg(currency ORDER BY position DESC) FILTER (WHERE currency <> ''))[1] AS currency,
    (array_agg(method ORDER BY position DESC) FILTER (WHERE method IS NOT NULL))[1] AS method,
    (array_agg(failure_reason ORDER BY position DESC) FILTER (WHERE failure_reason IS NOT NULL))[1] AS failure_reason,
    sum(refund_minor)::bigint AS refunded_minor,
    min(occurred_at) AS created_at,
    (array_agg(occurred_at ORDER BY position DESC))[1] AS updated_at,
    max(position) AS version
  FROM steps GROUP BY payment_id
), payments AS (
  INSERT INTO ${p} AS t (payment_id, order_id, state, amount_minor, currency, method, failure_reason,
    refunded_minor, event_ids, created_at, updated_at, version)
  SELECT payment_id, order_id, state, amount_minor, currency, method, failure_reason, refunded_minor,
    event_ids, ${fromMs('created_at')}, ${fromMs('updated_at')}, version
  FROM folded ORDER BY payment_id
  ON CONFLICT (payment_id) DO UPDATE SET
    state = EXCLUDED.state,
    amount_minor = COALESCE(EXCLUDED.amount_minor, t.amount_minor),
    currency = COALESCE(EXCLUDED.currency, t.currency),
    method = COALESCE(EXCLUDED.method, t.method),
    failure_reason = COALESCE(EXCLUDED.failure_reason, t.failure_reason),
    refunded_minor = t.refunded_minor + EXCLUDED.refunded_minor,
    event_ids = t.event_ids || EXCLUDED.event_ids,
    created_at = LEAST(t.created_at, EXCLUDED.created_at),
    updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version,
    written_at = now()
  WHERE EXCLUDED.version > t.version
  RETURNING 1
)
SELECT (SELECT count(*) FROM deleted)::int AS deleted, (SELECT count(*) FROM orders)::int AS orders,
  (SELECT count(*) FROM payments)::int AS payments`
}

export const ORDER_SELECT = `order_id, customer_id, state, payment_state, cancellation_reason, note, currency,
  total_minor, item_count, lines, ${toMs('placed_at')} AS placed_at_ms, ${toMs('updated_at')} AS updated_at_ms, version`

export const PAYMENT_SELECT = `payment_id, order_id, state, COALESCE(amount_minor, 0) AS amount_minor,
  COALESCE(currency, '') AS currency, method, failure_reason, refunded_minor,
  ${toMs('created_at')} AS created_at_ms, ${toMs('updated_at')} AS updated_at_ms, version`
