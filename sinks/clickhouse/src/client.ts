import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from './errors.ts'

/** Where ClickHouse is: a server over HTTP, or chdb in this process (in memory or at a path). */
export type ClickHouseTarget =
  { readonly kind: 'http'; readonly url: string } | { readonly kind: 'chdb'; readonly path: string }

const CHDB_PREFIX = 'chdb:'

/**
 * Parses `CLICKHOUSE_URL`: `http(s)://user:password@host:port/database` for a server, `chdb::memory:`
 * or `chdb:/some/dir` for chdb. Anything else is rejected with the value named.
 */
export function parseClickHouseUrl(url: string): ClickHouseTarget {
  if (url.startsWith(CHDB_PREFIX)) {
    const path = url.slice(CHDB_PREFIX.length)
    if (path.length === 0)
      throw new ClickHouseError(
        CLICKHOUSE_ERROR_CODES.INVALID_URL,
        `CLICKHOUSE_URL ${JSON.stringify(url)}: chdb needs :memory: or a path`,
      )
    return { kind: 'chdb', path }
  }
  if (url.startsWith('http://') || url.startsWith('https://')) return { kind: 'http', url }
  throw new ClickHouseError(
    CLICKHOUSE_ERROR_CODES.INVALID_URL,
    `CLICKHOUSE_URL ${JSON.stringify(url)}: expected http(s)://… or chdb:<path>`,
  )
}

/**
 * One `@clickhouse/client` for both targets, so the same queries run against a server and chdb.
 * chdb holds one session per process: open one client for it and share it.
 */
export function createClickHouseClient(url: string): ClickHouseClient {
  const target = parseClickHouseUrl(url)
  switch (target.kind) {
    case 'http':
      return createClient({ url: target.url })
    case 'chdb': {
      // chdb builds its connection against @clickhouse/client-common, whose declarations are a copy of
      // the ones @clickhouse/client bundles; the shapes match, the nominal types do not.
      const connection = createChdbConnection({ path: target.path }) as unknown as NonNullable<
        Parameters<typeof createClient>[0]
      >['connection']
      return createClient({ connection })
    }
  }
}
