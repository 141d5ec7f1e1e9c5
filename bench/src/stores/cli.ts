/**
 * `npm run -w @oxagry/bench stores`: LMDB (lmdb, the engine of @oxagry/streams' persistent store)
 * against LevelDB (classic-level): batched puts, random synchronous gets and a scan of `--keys` keys
 * with `--value-bytes` values, each run in a fresh process, `--runs` runs per engine alternating, medians.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { intFlag, parseFlags, stringFlag } from '../args.ts'
import { writeJson } from '../results.ts'
import { formatTable } from '../table.ts'
import { ENGINES, summarize, type EngineName, type EngineRun, type StoreResult } from './engines.ts'

const flags = parseFlags(process.argv.slice(2))
const keys = intFlag(flags, 'keys', 1_000_000)
const valueBytes = intFlag(flags, 'value-bytes', 100)
const runs = intFlag(flags, 'runs', 3)
const outDir = stringFlag(flags, 'out', fileURLToPath(new URL('../../results', import.meta.url)))
const worker = fileURLToPath(new URL('./engine-worker.ts', import.meta.url))

async function runOnce(engine: EngineName): Promise<EngineRun> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      worker,
      '--engine',
      engine,
      '--keys',
      String(keys),
      '--value-bytes',
      String(valueBytes),
    ],
    { maxBuffer: 1 << 20 },
  )
  const line = stdout.split('\n').find((l) => l.startsWith('RUN '))
  if (line === undefined) throw new Error(`${engine}: the worker printed no RUN line:\n${stdout}`)
  return JSON.parse(line.slice(4)) as EngineRun
}

export function storesTable(rows: readonly StoreResult[]): string {
  return formatTable(
    [
      { header: 'engine' },
      { header: 'keys' },
      { header: 'puts/s' },
      { header: 'gets/s' },
      { header: 'scan/s' },
      { header: 'rss after puts MB' },
      { header: 'rss at end MB' },
      { header: 'heap MB' },
      { header: 'baseline rss MB' },
      { header: 'disk MB' },
    ],
    rows.map((r) => [
      r.engine,
      r.keys,
      r.putPerSec,
      r.getPerSec,
      r.scanPerSec,
      r.rssAfterPutMB,
      r.rssMB,
      r.heapUsedMB,
      r.baselineRssMB,
      r.diskMB,
    ]),
  )
}

const collected = new Map<EngineName, EngineRun[]>(ENGINES.map((e) => [e, []]))
for (let i = 0; i < runs; i++) {
  for (const engine of ENGINES) {
    const run = await runOnce(engine)
    console.error(`[stores] ${engine} run ${i + 1}: ${JSON.stringify(run)}`)
    collected.get(engine)?.push(run)
  }
}
const results = ENGINES.map((engine) => summarize(engine, keys, valueBytes, collected.get(engine) ?? []))
console.log(`\nstores: ${keys} keys, ${valueBytes}-byte values, median of ${runs} run(s) each\n`)
console.log(storesTable(results))
writeJson(join(outDir, 'stores.json'), results)
