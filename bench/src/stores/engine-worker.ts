/**
 * One run of the store micro-benchmark in a fresh process, so its RSS is its own: put `--keys` keys
 * with random values in batches (as the LMDB store's write-back flush does at each commit), read them
 * all back in random order with synchronous gets (KeyValueStore.get is synchronous), scan them in key
 * order, then report throughput, memory after a full GC (once after the puts, before the harness
allocates its million lookup keys, and once at the end) and the bytes on disk. Run with --expose-gc.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { open } from 'lmdb'
import { intFlag, parseFlags, stringFlag } from '../args.ts'
import { prng } from '../stats.ts'
import type { EngineRun } from './engines.ts'

const flags = parseFlags(process.argv.slice(2))
const engine = stringFlag(flags, 'engine')
const keys = intFlag(flags, 'keys', 1_000_000)
const valueBytes = intFlag(flags, 'value-bytes', 100)
const batch = intFlag(flags, 'batch', 10_000)

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

function diskBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => statSync(join(dir, name)))
    .filter((s) => s.isFile())
    .reduce((sum, s) => sum + s.blocks * 512, 0)
}

function key(i: number): Buffer {
  return Buffer.from(`key-${String(i).padStart(8, '0')}`)
}

interface Engine {
  putBatch(entries: readonly [Buffer, Buffer][]): Promise<void> | void
  get(key: Buffer): Buffer | undefined
  scan(): Promise<number>
  close(): Promise<void>
}

function lmdbEngine(path: string): Engine {
  // As LmdbKeyValueStore opens it: binary keys and values, no compression, default (durable) commits.
  const db = open<Buffer, Buffer>({ path, keyEncoding: 'binary', encoding: 'binary', compression: false })
  return {
    putBatch(entries) {
      db.transactionSync(() => {
        for (const [k, v] of entries) db.putSync(k, v)
      })
    },
    get: (k) => db.get(k),
    async scan() {
      let n = 0
      for (const _ of db.getRange()) n++
      return n
    },
    close: () => db.close(),
  }
}

async function levelEngine(path: string): Promise<Engine> {
  const db = new ClassicLevel<Buffer, Buffer>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.open()
  return {
    putBatch: (entries) => db.batch(entries.map(([k, v]) => ({ type: 'put', key: k, value: v }))),
    get: (k) => db.getSync(k),
    async scan() {
      let n = 0
      for await (const _ of db.iterator()) n++
      return n
    },
    close: () => db.close(),
  }
}

const dir = mkdtempSync(join(tmpdir(), `bench-store-${engine}-`))
const values = Array.from({ length: 1024 }, () => randomBytes(valueBytes))
gc()
const baseline = process.memoryUsage()
const db = engine === 'lmdb' ? lmdbEngine(dir) : await levelEngine(dir)

let started = performance.now()
for (let from = 0; from < keys; from += batch) {
  const entries: [Buffer, Buffer][] = []
  for (let i = from; i < Math.min(keys, from + batch); i++)
    entries.push([key(i), values[i % values.length] as Buffer])
  await db.putBatch(entries)
}
const putMs = performance.now() - started
gc()
const afterPut = process.memoryUsage()

const order = Array.from({ length: keys }, (_, i) => i)
const random = prng(1)
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[order[i], order[j]] = [order[j] as number, order[i] as number]
}
const lookups = order.map(key)
started = performance.now()
let found = 0
for (const k of lookups) if (db.get(k) !== undefined) found++
const getMs = performance.now() - started
if (found !== keys) throw new Error(`${engine}: found ${found} of ${keys} keys`)

started = performance.now()
const scanned = await db.scan()
const scanMs = performance.now() - started
if (scanned !== keys) throw new Error(`${engine}: scanned ${scanned} of ${keys} keys`)

lookups.length = 0
gc()
const usage = process.memoryUsage()
const run: EngineRun = {
  putPerSec: Math.round((keys * 1000) / putMs),
  getPerSec: Math.round((keys * 1000) / getMs),
  scanPerSec: Math.round((keys * 1000) / scanMs),
  rssAfterPut: afterPut.rss,
  rss: usage.rss,
  heapUsed: usage.heapUsed,
  baselineRss: baseline.rss,
  diskBytes: diskBytes(dir),
}
await db.close()
rmSync(dir, { recursive: true, force: true })
console.log(`RUN ${JSON.stringify(run)}`)
