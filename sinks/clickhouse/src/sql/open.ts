import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { createClickHouseClient, parseClickHouseUrl } from '../client.ts'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from '../errors.ts'

export interface QueryConnection {
  readonly client: ClickHouseClient
  /** Set when the answer comes from a copy: what was copied, for the person asking. */
  readonly note?: string
  close(): Promise<void>
}

/**
 * Opens the configured ClickHouse for queries. chdb lets one process hold a directory, so when a
 * running platform holds it, the directory is copied (without the lock file) and the copy opened: the
 * answer is as of the copy, and the note says so. A server is simply connected to.
 */
export function openForQueries(url: string): QueryConnection {
  const target = parseClickHouseUrl(url)
  try {
    const client = createClickHouseClient(url)
    return { client, close: () => client.close() }
  } catch (error) {
    if (target.kind !== 'chdb' || target.path === ':memory:')
      throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.QUERY, `opening ${url}: ${String(error)}`, {
        cause: error,
      })
    const copy = mkdtempSync(join(tmpdir(), 'oxagry-sql-'))
    try {
      cpSync(target.path, copy, { recursive: true, filter: (source) => basename(source) !== 'status' })
      const client = createClickHouseClient(`chdb:${copy}`)
      return {
        client,
        note: `${target.path} is held by another process (a running platform?): querying a copy taken now`,
        close: async () => {
          await client.close()
          rmSync(copy, { recursive: true, force: true })
        },
      }
    } catch (copyError) {
      rmSync(copy, { recursive: true, force: true })
      throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.QUERY, `opening ${url}: ${String(error)}`, {
        cause: copyError,
      })
    }
  }
}
