import type { Db } from 'mongodb'
import type { SqlExecutor } from '@oxagry/sink-postgres'
import { clickHouseFactCounts, eventLogFactCounts } from '../analytics/check.ts'
import { readEventLog, type EventLog } from '../analytics/event-log.ts'
import type { CommerceStack, RestClient } from './commerce-stack.ts'

/**
 * How the end-to-end test reads each store directly (not through the API), each as a plain record it
 * can compare with what the checkouts say, in canonical order.
 */

/** An object's entries in key order, as one comparable string. */
export function canonical(value: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** The keys whose values differ (or are on one side only), each with both sides: what a failure names. */
export function differences(
  held: Readonly<Record<string, unknown>>,
  expected: Readonly<Record<string, unknown>>,
): Record<string, { held: unknown; expected: unknown }> {
  const keys = [...new Set([...Object.keys(held), ...Object.keys(expected)])].sort()
  return Object.fromEntries(
    keys
      .filter((k) => JSON.stringify(held[k]) !== JSON.stringify(expected[k]))
      .map((k) => [k, { held: held[k] ?? null, expected: expected[k] ?? null }]),
  )
}

/** The orders view's rows of the customers in PostgreSQL: `orderId → "<state> x<rows>"`. */
export async function postgresOrders(
  pg: SqlExecutor,
  schema: string,
  customers: readonly string[],
): Promise<Record<string, string>> {
  const { rows } = await pg.query<{ order_id: string; state: string; n: number }>(
    `SELECT order_id, min(state) AS state, count(*)::int AS n FROM ${schema}.commerce_orders
     WHERE customer_id = ANY($1::text[]) GROUP BY order_id`,
    [customers],
  )
  return Object.fromEntries(rows.map((r) => [r.order_id, `${r.state} x${r.n}`]))
}

/** The reservations of the orders in MongoDB: `"<orderId> <product>|<warehouse>" → "<state> <quantity>"`. */
export async function mongoReservations(
  mongo: Db,
  orderIds: readonly string[],
): Promise<Record<string, string>> {
  const docs = await mongo
    .collection<{ orderId: string; productId: string; warehouseId: string; state: string; quantity: number }>(
      'stock_reservations',
    )
    .find({ orderId: { $in: [...orderIds] } })
    .toArray()
  const held: Record<string, string> = {}
  for (const d of docs) {
    const key = `${d.orderId} ${d.productId}|${d.warehouseId}`
    // Two documents of one line would be a duplicate: say so rather than overwrite.
    held[key] = key in held ? 'DUPLICATED' : `${d.state} ${d.quantity}`
  }
  return held
}

export interface Level {
  readonly onHand: number
  readonly reserved: number
}

/** The stock levels of the keys in MongoDB. */
export async function mongoLevels(mongo: Db, keys: readonly string[]): Promise<Record<string, Level>> {
  const docs = await mongo
    .collection<{ _id: string; onHand: number; reserved: number }>('stock_levels')
    .find({ _id: { $in: [...keys] } })
    .toArray()
  return Object.fromEntries(docs.map((d) => [d._id, { onHand: d.onHand, reserved: d.reserved }]))
}

/**
 * The levels the reservations leave: the opening level less what was fulfilled (shipped), plus what is
 * still held.
 */
export function levelsAfter(
  opening: ReadonlyMap<string, Level>,
  reservations: Readonly<Record<string, string>>,
): Record<string, Level> {
  const moved = (stockKey: string, state: string): number =>
    Object.entries(reservations)
      .filter(([k, v]) => k.endsWith(` ${stockKey}`) && v.startsWith(`${state} `))
      .reduce((sum, [, v]) => sum + Number(v.split(' ')[1]), 0)
  return Object.fromEntries(
    [...opening].map(([key, o]) => [
      key,
      { onHand: o.onHand - moved(key, 'FULFILLED'), reserved: o.reserved + moved(key, 'RESERVED') },
    ]),
  )
}

/** The orders facts of the customers in ClickHouse: `orderId → state` of each order's newest version. */
export async function clickHouseOrders(
  stack: CommerceStack,
  customers: readonly string[],
): Promise<Record<string, string>> {
  const result = await stack.context.clickhouse.query({
    query: `SELECT order_id, argMax(state, version) AS state FROM orders
            WHERE customer_id IN {customers:Array(String)} GROUP BY order_id ORDER BY order_id`,
    query_params: { customers: [...customers] },
    format: 'JSONEachRow',
  })
  return Object.fromEntries(
    (await result.json<{ order_id: string; state: string }>()).map((r) => [r.order_id, r.state]),
  )
}

/** The event log read back from Kafka once ClickHouse holds every fact of it; undefined until then. */
export async function eventLogInClickHouse(stack: CommerceStack): Promise<EventLog | undefined> {
  const { topics } = stack
  const log = await readEventLog(stack.context.backend, stack.context.registry, {
    orderEvents: topics.orderEvents,
    orderStatus: topics.orderStatus,
    paymentEvents: topics.paymentEvents,
    stockEvents: topics.stockEvents,
    products: topics.products,
    sessions: stack.sessionsTopic,
  })
  return (await clickHouseFactCounts(stack.context.clickhouse)) === eventLogFactCounts(log) ? log : undefined
}

/** Every order of a customer over REST, following the cursor through pages of `limit`. */
export async function listedOrders(rest: RestClient, customer: string, limit: number): Promise<string[]> {
  const listed: string[] = []
  let cursor: string | undefined
  do {
    const page = (
      await rest.get<{ orders: { orderId: string }[]; nextCursor?: string }>(
        `/orders?customerId=${customer}&limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`,
      )
    ).body
    listed.push(...page.orders.map((o) => o.orderId))
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return listed
}
