import { ANALYST_EXAMPLES, COMMERCE_TABLES, type createClickHouseClient } from '@oxagry/clickhouse'
import { answerDifferences, normaliseAnswer } from './compare.ts'
import type { EventLog } from './event-log.ts'
import { expectedAnswers, type AnswerRow } from './oracle.ts'

type ClickHouse = ReturnType<typeof createClickHouseClient>

/**
 * How many distinct facts ClickHouse holds (events by id, orders, products, the sum of each order's
 * newest status version, sessions), as one comparable line: equal to {@link eventLogFactCounts} once
 * the fact sinks wrote everything the event log says.
 */
export async function clickHouseFactCounts(clickhouse: ClickHouse): Promise<string> {
  const result = await clickhouse.query({
    query: `SELECT
      (SELECT uniqExact(event_id) FROM ${COMMERCE_TABLES.orderEvents}) AS orders,
      (SELECT uniqExact(event_id) FROM ${COMMERCE_TABLES.paymentEvents}) AS payments,
      (SELECT uniqExact(event_id) FROM ${COMMERCE_TABLES.stockMovements}) AS stock,
      (SELECT uniqExact(order_id) FROM ${COMMERCE_TABLES.orders}) AS statuses,
      (SELECT uniqExact(product_id) FROM ${COMMERCE_TABLES.products}) AS products,
      (SELECT sum(version) FROM (SELECT max(version) AS version FROM ${COMMERCE_TABLES.orders} GROUP BY order_id)) AS status_versions,
      (SELECT uniqExact(session_id) FROM machine_sessions) AS sessions`,
    format: 'JSONEachRow',
  })
  return JSON.stringify(normaliseAnswer(await result.json()))
}

/** The same counts from the event log. */
export function eventLogFactCounts(log: EventLog): string {
  return JSON.stringify([
    {
      orders: log.orderEvents.length,
      payments: log.paymentEvents.length,
      stock: log.stockEvents.length,
      statuses: log.orderStatus.size,
      products: log.products.size,
      status_versions: [...log.orderStatus.values()].reduce((s, o) => s + o.version, 0),
      sessions: log.sessions.size,
    },
  ])
}

export interface AnalystCheck {
  readonly id: string
  readonly got: readonly AnswerRow[]
  /** Empty when ClickHouse answers what the event log says; `no independent computation` if none. */
  readonly differences: readonly string[]
}

/** Every analysts' example run on ClickHouse, each answer compared with its figure from the event log. */
export async function checkAnalystExamples(clickhouse: ClickHouse, log: EventLog): Promise<AnalystCheck[]> {
  const expected = expectedAnswers(log)
  const checks: AnalystCheck[] = []
  for (const example of ANALYST_EXAMPLES) {
    const want = expected[example.id]
    const result = await clickhouse.query({ query: example.sql, format: 'JSONEachRow' })
    const got = normaliseAnswer(await result.json())
    checks.push({
      id: example.id,
      got,
      differences: want === undefined ? ['no independent computation'] : answerDifferences(got, want),
    })
  }
  return checks
}
