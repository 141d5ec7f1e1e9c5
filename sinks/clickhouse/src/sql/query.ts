import type { ClickHouseClient } from '@clickhouse/client'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from '../errors.ts'

/** A query's answer as a table: the columns with their ClickHouse types, and the rows in order. */
export interface QueryAnswer {
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  readonly rows: readonly (readonly unknown[])[]
}

/** ClickHouse's message without its stack or the client's prefix, for people. */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0]?.trim() ?? text
}

/**
 * Runs one query for a person at a terminal, read-only (`readonly = 2`: settings may change, data and
 * tables may not), and returns its answer. A refused or failed query is a ClickHouseError (QUERY) whose
 * message is ClickHouse's own first line, with a hint when a table is missing.
 */
export async function runReadOnlyQuery(client: ClickHouseClient, sql: string): Promise<QueryAnswer> {
  const query = sql.trim().replace(/;\s*$/, '')
  if (query.length === 0) throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.QUERY, 'the query is empty')
  try {
    const result = await client.query({
      query,
      format: 'JSONCompact',
      clickhouse_settings: { readonly: '2' },
    })
    const answer = await result.json<unknown[]>()
    return { columns: answer.meta ?? [], rows: answer.data }
  } catch (error) {
    const message = messageOf(error)
    const hint = /UNKNOWN_TABLE|Unknown table/i.test(message)
      ? ' (the platform creates the tables when it starts: has `npm start` run with this configuration?)'
      : ''
    throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.QUERY, `${message}${hint}`, { cause: error })
  }
}
