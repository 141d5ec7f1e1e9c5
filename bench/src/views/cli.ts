/**
 * `npm run bench:views`: rows per second the commerce views' sink targets write, as the sink calls them
 * (a batch of records conflated per key and written in one statement or bulk command), into the stack's
 * PostgreSQL, an embedded PGlite and the stack's MongoDB-wire server (FerretDB). Per store and view two
 * scenarios: `insert` (new keys) and `update` (every key exists at a lower version: the guarded
 * upsert replaces it). Only the writes are timed; the median of `--runs` is reported.
 *
 * Besides rows/s, the CPU each row costs: the client's (this process: conflation, JSON, the driver, and
 * PGlite itself) and the server's (the PostgreSQL backend of the benchmark's one connection, or the
 * FerretDB process given by --server-pid), in ms per 1 000 rows. On a machine other work keeps busy
 * rows/s understates what the sink does; `cpu-bound rows/s` = 10^6 / (client + server ms per 1 000) is
 * what one free core each would allow, the writes being sequential.
 *
 * Flags: --rows 20000, --batch 2000 (the platform's SINK_BATCH_RECORDS), --runs 3,
 * --stores postgres,pglite,mongodb, --postgres-url, --mongodb-url, --mongo-command 99 (upserts per
 * update command; FerretDB v1 answers up to 99 unpatched), --server-pid (FerretDB's pid, e.g.
 * `$(cat .stack/ferretdb/ferretdb.pid)`).
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
import { processCpuMs } from '../process-cpu.ts'

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
const ferretPid = flags.has('server-pid') ? intFlag(flags, 'server-pid', 0) : undefined

const ownCpuMs = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

const SCENARIOS = ['insert', 'update'] as const
type Scenario = (typeof SCENARIOS)[number]

interface Row {
  readonly store: Store
  readonly view: View
  readonly scenario: Scenario
  readonly rates: number[]
  readonly clientCpu: number[]
  readonly serverCpu: number[]
  error?: string
}

const context = (n: number): WriteContext => ({ batchId: `bench:${n}`, attempt: 1, records: [] })

interface Timing {
  readonly ms: number
  readonly clientCpuMs: number
  readonly serverCpuMs?: number
}

/** Writes the batches one after another, as one sink does. */
async function timed<T>(
  target: SinkTarget<T>,
  batches: readonly (readonly T[])[],
  serverPid: number | undefined,
): Promise<Timing> {
  const server = serverPid === undefined ? undefined : processCpuMs(serverPid)
  const client = ownCpuMs()
  const started = performance.now()
  for (const [i, b] of batches.entries()) await target.write(b, context(i))
  const serverAfter = serverPid === undefined ? undefined : processCpuMs(serverPid)
  return {
    ms: performance.now() - started,
    clientCpuMs: ownCpuMs() - client,
    ...(server === undefined || serverAfter === undefined ? {} : { serverCpuMs: serverAfter - server }),
  }
}

interface Opened {
  readonly target: (view: View) => Promise<SinkTarget<never>>
  /** The server process whose CPU the writes cost, when known. */
  readonly serverPid?: number
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
      ...(ferretPid === undefined ? {} : { serverPid: ferretPid }),
      close: async () => {
        await db.dropDatabase().catch(() => undefined)
        await client.close()
      },
    }
  }
  // One connection, so its backend's CPU is the server's share.
  const executor: SqlExecutor =
    store === 'postgres'
      ? pgUrlExecutor(postgresUrl, { max: 1 })
      : pgliteExecutor(new PGlite(), { owns: true })
  const backendPid =
    store === 'postgres'
      ? Number((await executor.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid)
      : undefined
  const tables = { orders: `bench_orders_${run}`, payments: `bench_payments_${run}` }
  const stock = `bench_stock_${run}`
  return {
    ...(backendPid === undefined ? {} : { serverPid: backendPid }),
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
    viewsOf(store).flatMap((view) =>
      SCENARIOS.map((scenario) => ({ store, view, scenario, rates: [], clientCpu: [], serverCpu: [] })),
    ),
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
              const timing = await timed(target, batches, opened.serverPid)
              const written = rowsOf(batches, view, version)
              const perSec = rate(written, timing.ms) ?? 0
              row.rates.push(perSec)
              row.clientCpu.push((timing.clientCpuMs * 1000) / written)
              if (timing.serverCpuMs !== undefined) row.serverCpu.push((timing.serverCpuMs * 1000) / written)
              console.log(
                `run ${r} ${store} ${view} ${scenario}: ${perSec} rows/s (${Math.round(timing.ms)} ms, client ${Math.round(timing.clientCpuMs)} cpu ms, server ${timing.serverCpuMs === undefined ? '?' : Math.round(timing.serverCpuMs)} cpu ms)`,
              )
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
        { header: 'client cpu ms/1k' },
        { header: 'server cpu ms/1k' },
        { header: 'cpu-bound rows/s' },
        { header: 'error', align: 'left' },
      ],
      table.map((row) => {
        const client = row.clientCpu.length > 0 ? median(row.clientCpu) : undefined
        const server = row.serverCpu.length > 0 ? median(row.serverCpu) : undefined
        return [
          row.store,
          row.view,
          row.scenario,
          row.rates.length > 0 ? Math.round(median(row.rates)) : undefined,
          row.rates.join(' '),
          client === undefined ? undefined : Math.round(client),
          server === undefined ? undefined : Math.round(server),
          client === undefined || (server === undefined && row.store !== 'pglite')
            ? undefined
            : Math.round(1e6 / (client + (server ?? 0))),
          row.error,
        ]
      }),
    ),
  )
  if (table.some((row) => row.error !== undefined)) process.exitCode = 1
}

await main()
