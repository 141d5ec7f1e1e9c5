/**
 * `npm run sql -- "<query>"`: one read-only query against the ClickHouse the platform is configured
 * with (CLICKHOUSE_URL, else chdb under STATE_DIR, as `npm start` reads them), printed as a table.
 * Exit 0 with the answer, 1 when the configuration or the query fails (the message on stderr), 2 without
 * a query.
 */
import { formatTable, openForQueries, runReadOnlyQuery } from '@oxagry/clickhouse'
import { readConfig } from './config.ts'

const USAGE = 'usage: npm run sql -- "<query>"   (read-only; CLICKHOUSE_URL or STATE_DIR pick the database)\n'

export async function sqlMain(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const query = args.join(' ').trim()
  if (query.length === 0 || query === '--help' || query === '-h') {
    process.stderr.write(USAGE)
    return 2
  }
  try {
    const { clickhouseUrl } = readConfig(env)
    const connection = openForQueries(clickhouseUrl)
    if (connection.note !== undefined) process.stderr.write(`sql: ${connection.note}\n`)
    try {
      const started = performance.now()
      const answer = await runReadOnlyQuery(connection.client, query)
      process.stdout.write(formatTable(answer))
      process.stderr.write(
        `${answer.rows.length} row${answer.rows.length === 1 ? '' : 's'} in ${Math.round(performance.now() - started)} ms\n`,
      )
      return 0
    } finally {
      await connection.close()
    }
  } catch (error) {
    process.stderr.write(`sql: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

if (process.argv[1]?.endsWith('sql.ts')) process.exitCode = await sqlMain(process.argv.slice(2), process.env)
