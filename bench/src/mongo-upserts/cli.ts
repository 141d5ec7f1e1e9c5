/**
 * `npm run bench:mongo-upserts`: bulk upserts per second against a MongoDB-wire server (the stack's
 * FerretDB by default, or `MONGODB_URL` / `--url`): `replaceOne` with `upsert: true` by `_id`, plain and
 * guarded by a version filter, into an empty collection (`insert`), over existing documents of a lower
 * version (`replace`) and, guarded, over newer ones (`stale`: duplicate keys). `--docs` upserts in
 * commands of `--batch`, one command at a time; `--runs` runs, each combination once per run in turn,
 * median reported. Only the upsert commands are timed, not the preparation of the collection.
 *
 * Flags: --url, --docs 2000, --batch 99, --runs 3, --guards plain,guarded, --scenarios insert,replace,stale,
 * --concurrency 1 (commands in flight at once, each on its own connection; a command never shares a
 * document with another), --ids string|number, --timeout-ms 120000 (a command that does not answer by then fails the row),
 * --server-pid <pid> (a local server: also report its CPU time per 1 000 upserts, which varies less than
 * upserts/s on a shared machine).
 */
import { MongoBulkWriteError, MongoClient, type Collection } from 'mongodb'
import { intFlag, listFlag, parseFlags, stringFlag } from '../args.ts'
import { median, rate } from '../stats.ts'
import { formatTable } from '../table.ts'
import {
  benchDocument,
  chunks,
  GUARDS,
  ID_TYPES,
  ids,
  SCENARIOS,
  upsertOperations,
  versions,
  type BenchId,
  type Guard,
  type Scenario,
} from './ops.ts'
import { processCpuMs } from '../process-cpu.ts'

const DUPLICATE_KEY = 11000

const flags = parseFlags(process.argv.slice(2))
const url = stringFlag(flags, 'url', process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/')
const docs = intFlag(flags, 'docs', 2000)
const batch = intFlag(flags, 'batch', 99)
const runs = intFlag(flags, 'runs', 3)
const timeoutMs = intFlag(flags, 'timeout-ms', 120_000)
const concurrency = intFlag(flags, 'concurrency', 1)
const guards = listFlag(flags, 'guards', GUARDS)
const scenarios = listFlag(flags, 'scenarios', SCENARIOS)
const [idType] = listFlag(flags, 'ids', ID_TYPES)
if (idType === undefined) throw new TypeError('--ids needs a value')
const serverPid = flags.has('server-pid') ? intFlag(flags, 'server-pid', 0) : undefined

/** CPU time (user + system) the server process has used so far, ms; undefined without --server-pid. */
function serverCpuMs(): number | undefined {
  return serverPid === undefined ? undefined : processCpuMs(serverPid)
}

interface Combination {
  readonly guard: Guard
  readonly scenario: Scenario
}

/** Plain upserts always replace, so `stale` is only a guarded scenario. */
const combinations: Combination[] = guards.flatMap((guard) =>
  scenarios
    .filter((scenario) => guard === 'guarded' || scenario !== 'stale')
    .map((scenario) => ({ guard, scenario })),
)

async function prepare(
  collection: Collection,
  all: readonly BenchId[],
  stored: number | undefined,
): Promise<void> {
  await collection.drop().catch(() => undefined)
  await collection.db.createCollection(collection.collectionName)
  if (stored === undefined) return
  for (const part of chunks(all, 1000))
    await collection.insertMany(
      part.map((id) => benchDocument(id, stored)),
      { ordered: false },
    )
}

/** Runs the upserts; returns the elapsed ms and how many the server answered as applied or stale. */
async function upsert(collection: Collection, all: readonly BenchId[], combination: Combination) {
  const { written } = versions(combination.scenario)
  let applied = 0
  let stale = 0
  const cpuStart = serverCpuMs()
  const clientStart = process.cpuUsage()
  const start = performance.now()
  // `concurrency` connections, each sending its share of the commands one after another.
  const commands = chunks(all, batch)
  const worker = async (): Promise<void> => {
    for (let part = commands.shift(); part !== undefined; part = commands.shift()) {
      await command(part)
    }
  }
  const command = async (part: BenchId[]): Promise<void> => {
    try {
      const result = await collection.bulkWrite(upsertOperations(part, written, combination.guard), {
        ordered: false,
      })
      applied += result.upsertedCount + result.matchedCount
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
      const other = writeErrors.find((e) => e.code !== DUPLICATE_KEY)
      if (other !== undefined) throw error
      applied += (error.result?.upsertedCount ?? 0) + (error.result?.matchedCount ?? 0)
      stale += writeErrors.length
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()))
  const ms = performance.now() - start
  const client = process.cpuUsage(clientStart)
  const clientCpuMsPer1k = ((client.user + client.system) / 1000) * (1000 / all.length)
  const cpuEnd = serverCpuMs()
  const cpuMsPer1k =
    cpuStart === undefined || cpuEnd === undefined ? undefined : ((cpuEnd - cpuStart) * 1000) / all.length
  return { ms, applied, stale, cpuMsPer1k, clientCpuMsPer1k }
}

interface Row {
  readonly combination: Combination
  readonly rates: number[]
  readonly cpu: number[]
  readonly clientCpu: number[]
  readonly applied: number
  readonly stale: number
  error?: string
}

async function main(): Promise<void> {
  const client = new MongoClient(url, {
    socketTimeoutMS: timeoutMs,
    serverSelectionTimeoutMS: 5000,
    maxPoolSize: Math.max(concurrency, 2),
  })
  await client.connect()
  const db = client.db(`bench_upserts_${process.pid}`)
  const collection = db.collection('docs')
  const all = ids(docs, idType as (typeof ID_TYPES)[number])
  const rows: Row[] = combinations.map((combination) => ({
    combination,
    rates: [],
    cpu: [],
    clientCpu: [],
    applied: 0,
    stale: 0,
  }))
  try {
    for (let run = 1; run <= runs; run++) {
      for (const row of rows) {
        if (row.error !== undefined) continue
        const { guard, scenario } = row.combination
        try {
          await prepare(collection, all, versions(scenario).stored)
          const r = await upsert(collection, all, row.combination)
          const perSec = rate(docs, r.ms) ?? 0
          row.rates.push(perSec)
          if (r.cpuMsPer1k !== undefined) row.cpu.push(r.cpuMsPer1k)
          row.clientCpu.push(r.clientCpuMsPer1k)
          Object.assign(row, { applied: r.applied, stale: r.stale })
          const cpu = r.cpuMsPer1k === undefined ? '' : `, server ${Math.round(r.cpuMsPer1k)} cpu ms/1k`
          console.log(`run ${run} ${guard} ${scenario}: ${perSec}/s (${Math.round(r.ms)} ms${cpu})`)
        } catch (error) {
          row.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          console.log(`run ${run} ${guard} ${scenario}: failed, ${row.error}`)
        }
      }
    }
  } finally {
    await db.dropDatabase().catch(() => undefined)
    await client.close()
  }
  console.log(
    `\n${url} — ${docs} upserts by ${idType} _id in commands of ${batch}, ${concurrency} at a time, median of ${runs} runs\n`,
  )
  console.log(
    formatTable(
      [
        { header: 'filter' },
        { header: 'scenario' },
        { header: 'upserts/s' },
        { header: 'runs' },
        { header: 'server cpu ms/1k' },
        { header: 'client cpu ms/1k' },
        { header: 'applied' },
        { header: 'stale' },
        { header: 'error', align: 'left' },
      ],
      rows.map((r) => [
        r.combination.guard,
        r.combination.scenario,
        r.rates.length > 0 ? Math.round(median(r.rates)) : undefined,
        r.rates.join(' '),
        r.cpu.length > 0 ? Math.round(median(r.cpu)) : undefined,
        r.clientCpu.length > 0 ? Math.round(median(r.clientCpu)) : undefined,
        r.applied,
        r.stale,
        r.error,
      ]),
    ),
  )
  if (rows.some((r) => r.error !== undefined)) process.exitCode = 1
}

await main()
