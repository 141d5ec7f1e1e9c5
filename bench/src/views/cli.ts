/**
 * `npm run bench:views`: rows per second the commerce views' sink targets write, as the sink calls them
 * (a batch of records conflated per key and written in one statement or bulk command), into the stack's
 * PostgreSQL, an embedded PGlite and the stack's MongoDB-wire server (FerretDB). Per store and view two
 * scenarios: `insert` (new keys) and `update` (every key exists at a lower version: the guarded
 * upsert replaces it). Only the writes are timed; the median of `--runs` is reported.
 *
 * Flags: --rows 20000, --batch 2000 (the platform's SINK_BATCH_RECORDS), --runs 3,
 * --stores postgres,pglite,mongodb, --postgres-url, --mongodb-url, --mongo-command 99 (upserts per
 * update command; FerretDB v1 answers up to 99 unpatched).
 */
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { MongoClient } from 'mongodb'
import { commerceTarget, stockTarget, type SinkTarget, type WriteContext } from '@oxagry/sink'
import { MongoStockReadModel } from '@oxagry/sink-mongodb'
import {
  PostgresCommerceReadModel,
  PostgresStockReadModel,
  pgliteExecutor,
  pgUrlExecutor,
  type SqlExecutor,
} from '@oxagry/sink-postgres'
import { intFlag, listFlag, parseFlags, stringFlag } from '../args.ts'
import { median, rate } from '../stats.ts'
import { formatTable } from '../table.ts'
import { orderBatches, rowsOf, STORES, stockBatches, viewsOf, type Store, type View } from './ops.ts'

const flags = parseFlags(process.argv.slice(2))
const rows = intFlag(flags, 'rows', 20_000)
const batch = intFlag(flags, 'batch', 2000)
const runs = intFlag(flags, 'runs', 3)
const stores = listFlag(flags, 'stores', STORES)
const postgresUrl = stringFlag(
  flags,
  'postgres-url',
  process.env.POSTGRES_URL ?? 'postgres://oxagry@127.0.0.1:5432/oxagry',
)
const mongodbUrl = stringFlag(flags, 'mongodb-url', process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/')
const mongoCommand = intFlag(flags, 'mongo-command', 99)

const SCENARIOS = ['insert', 'update'] as const
type Scenario = (typeof SCENARIOS)[number]

interface Row {
  readonly store: Store
  readonly view: View
  readonly scenario: Scenario
  readonly rates: number[]
  error?: string
}

const context = (n: number): WriteContext => ({ batchId: `bench:${n}`, attempt: 1, records: [] })

/** Writes the batches one after another, as one sink does; returns the elapsed ms. */
async function timed<T>(target: SinkTarget<T>, batches: readonly (readonly T[])[]): Promise<number> {
  const started = performance.now()
  for (const [i, b] of batches.entries()) await target.write(b, context(i))
  return performance.now() - started
}

interface Opened {
  readonly target: (view: View) => Promise<SinkTarget<never>>
  readonly close: () => Promise<void>
}

async function open(store: Store, run: string): Promise<Opened> {
  if (store === 'mongodb') {
    const client = new MongoClient(mongodbUrl, { serverSelectionTimeoutMS: 5000 })
    const db = client.db(`oxagry_bench_views_${run}`)
    return {
      target: async () => {
        const model = new MongoStockReadModel({
          db,
          collection: 'stock_levels',
          maxUpsertsPerCommand: mongoCommand,
        })
        const target = stockTarget('mongodb:stock', model)
        await target.start?.()
        return target as SinkTarget<never>
      },
      close: async () => {
        await db.dropDatabase().catch(() => undefined)
        await client.close()
      },
    }
  }
  const executor: SqlExecutor =
    store === 'postgres' ? pgUrlExecutor(postgresUrl) : pgliteExecutor(new PGlite(), { owns: true })
  const tables = { orders: `bench_orders_${run}`, payments: `bench_payments_${run}` }
  const stock = `bench_stock_${run}`
  return {
    target: async (view) => {
      const target =
        view === 'orders'
          ? commerceTarget('postgres:orders', new PostgresCommerceReadModel({ executor, tables }))
          : stockTarget('postgres:stock', new PostgresStockReadModel({ executor, table: stock }))
      await target.start?.()
      return target as SinkTarget<never>
    },
    close: async () => {
      if (store === 'postgres')
        await executor
          .exec(
            `DROP TABLE IF EXISTS ${tables.orders}; DROP TABLE IF EXISTS ${tables.payments}; DROP TABLE IF EXISTS ${stock};
DELETE FROM schema_migrations WHERE scope IN ('commerce:${tables.orders}', 'stock:${stock}')`,
          )
          .catch(() => undefined)
      await executor.close()
    },
  }
}

async function main(): Promise<void> {
  const table: Row[] = stores.flatMap((store) =>
    viewsOf(store).flatMap((view) => SCENARIOS.map((scenario) => ({ store, view, scenario, rates: [] }))),
  )
  for (let r = 1; r <= runs; r++) {
    for (const store of stores) {
      const run = `${randomUUID().replaceAll('-', '').slice(0, 8)}`
      const opened = await open(store, run)
      try {
        for (const view of viewsOf(store)) {
          const target = await opened.target(view)
          const make = view === 'orders' ? orderBatches : stockBatches
          for (const [version, scenario] of [
            [1, 'insert'],
            [2, 'update'],
          ] as const) {
            const row = table.find((x) => x.store === store && x.view === view && x.scenario === scenario)!
            if (row.error !== undefined) continue
            const batches = make(run, rows, batch, version) as never[][]
            try {
              const ms = await timed(target, batches)
              const perSec = rate(rowsOf(batches, view, version), ms) ?? 0
              row.rates.push(perSec)
              console.log(`run ${r} ${store} ${view} ${scenario}: ${perSec} rows/s (${Math.round(ms)} ms)`)
            } catch (error) {
              row.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
              console.log(`run ${r} ${store} ${view} ${scenario}: failed, ${row.error}`)
            }
          }
        }
      } finally {
        await opened.close()
      }
    }
  }
  console.log(
    `\n${rows} rows per scenario in batches of ${batch} records, one batch at a time, median of ${runs} runs\n`,
  )
  console.log(
    formatTable(
      [
        { header: 'store' },
        { header: 'view' },
        { header: 'scenario' },
        { header: 'rows/s' },
        { header: 'runs' },
        { header: 'error', align: 'left' },
      ],
      table.map((row) => [
        row.store,
        row.view,
        row.scenario,
        row.rates.length > 0 ? Math.round(median(row.rates)) : undefined,
        row.rates.join(' '),
        row.error,
      ]),
    ),
  )
  if (table.some((row) => row.error !== undefined)) process.exitCode = 1
}

await main()
