import type { ClickHouseClient } from '@clickhouse/client'
import { assertNever, type SinkTarget } from '@oxagry/sink'
import { classifyClickHouseError } from '../errors.ts'
import { insertRows } from '../fleet.ts'
import { applyMigrations, DDL_DIR } from '../migrations.ts'
import {
  COMMERCE_TABLES,
  orderEventRows,
  orderStatusRow,
  paymentEventRow,
  productRow,
  stockMovementRow,
  type CommerceTable,
  type Row,
} from './rows.ts'
import type { CommerceFactWrite } from './writes.ts'

export interface ClickHouseCommerceTargetOptions {
  /** Apply the DDL files on start. Default true. */
  readonly migrate?: boolean
  readonly ddlDir?: string
  /** Close the client with the sink. Default false: chdb has one session per process, shared. */
  readonly ownsClient?: boolean
}

/** The rows a batch makes, per table, in the items' order. */
export function commerceRows(items: readonly CommerceFactWrite[]): Map<CommerceTable, Row[]> {
  const tables = new Map<CommerceTable, Row[]>(Object.values(COMMERCE_TABLES).map((t) => [t, []]))
  const push = (table: CommerceTable, ...rows: Row[]): void => void tables.get(table)?.push(...rows)
  for (const item of items) {
    switch (item.kind) {
      case 'order-event': {
        const { event, lines } = orderEventRows(item.event)
        push(COMMERCE_TABLES.orderEvents, event)
        push(COMMERCE_TABLES.orderLines, ...lines)
        break
      }
      case 'order-status':
        push(COMMERCE_TABLES.orders, orderStatusRow(item.status))
        break
      case 'payment-event':
        push(COMMERCE_TABLES.paymentEvents, paymentEventRow(item.event))
        break
      case 'stock-event':
        push(COMMERCE_TABLES.stockMovements, stockMovementRow(item.event))
        break
      case 'product':
        push(COMMERCE_TABLES.products, productRow(item.product, item.version))
        break
      default:
        assertNever(item, 'commerce write model')
    }
  }
  return tables
}

/**
 * Commerce facts into ClickHouse: one insert per table per batch, each with the deduplication token
 * `<batchId>|<table>|<digest of the rows>` (a retried batch makes no second part), into
 * ReplacingMergeTree tables keyed on the event's identity (a batch cut differently after a crash
 * collapses at merge time, and FINAL hides it before). `write` resolves once every table's insert
 * did, so the sink commits only durable rows.
 */
export function clickHouseCommerceTarget(
  client: ClickHouseClient,
  options: ClickHouseCommerceTargetOptions = {},
): SinkTarget<CommerceFactWrite> {
  return {
    name: 'clickhouse:commerce',
    // Each insert is a part for ClickHouse to merge: a caught-up delivery waits out the linger.
    whenCaughtUp: 'wait',
    async start() {
      if (options.migrate !== false) await applyMigrations(client, options.ddlDir ?? DDL_DIR)
    },
    async write(items, context) {
      for (const [table, rows] of commerceRows(items)) {
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
