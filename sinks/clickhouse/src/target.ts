import type { ClickHouseClient } from '@clickhouse/client'
import { assertNever, type SinkTarget, type WriteOf } from '@oxagry/sink'
import { classifyClickHouseError } from './errors.ts'
import { FLEET_TABLES, insertRows, pingRow, sessionRow } from './fleet.ts'
import { applyMigrations, DDL_DIR } from './migrations.ts'

export type ClickHouseFleetWrite = WriteOf<'insert-ping'> | WriteOf<'upsert-session'>

export interface ClickHouseFleetTargetOptions {
  /** Apply the DDL files on start. Default true. */
  readonly migrate?: boolean
  readonly ddlDir?: string
  /** Close the client with the sink. Default false: chdb has one session per process, shared. */
  readonly ownsClient?: boolean
}

/**
 * Ping facts and sessions into ClickHouse. One insert per table per batch, with the deduplication
 * token `<batchId>|<table>|<digest of the rows>`: a retried batch creates no second part, different rows
 * under a reused batch id are still inserted, and the ReplacingMergeTree tables
 * (keyed on pingId / sessionId) collapse whatever a batch cut differently after a crash re-delivered.
 */
export function clickHouseFleetTarget(
  client: ClickHouseClient,
  options: ClickHouseFleetTargetOptions = {},
): SinkTarget<ClickHouseFleetWrite> {
  return {
    name: 'clickhouse:fleet',
    // Each insert is a part for ClickHouse to merge: a caught-up delivery waits out the linger.
    whenCaughtUp: 'wait',
    async start() {
      if (options.migrate !== false) await applyMigrations(client, options.ddlDir ?? DDL_DIR)
    },
    async write(items, context) {
      const pings: Record<string, unknown>[] = []
      const sessions: Record<string, unknown>[] = []
      for (const item of items) {
        switch (item.kind) {
          case 'insert-ping':
            pings.push(pingRow(item.ping))
            break
          case 'upsert-session':
            sessions.push(sessionRow(item.session))
            break
          default:
            assertNever(item, 'write model')
        }
      }
      for (const [table, rows] of [
        [FLEET_TABLES.pings, pings],
        [FLEET_TABLES.sessions, sessions],
      ] as const) {
        try {
          await insertRows(client, table, rows, `${context.batchId}|${table}`)
        } catch (error) {
          throw classifyClickHouseError(error, `inserting ${rows.length} rows into ${table}`)
        }
      }
    },
    async close() {
      if (options.ownsClient === true) await client.close()
    },
  }
}
