/**
 * The memory scenario's worker: @oxagry/streams with a custom processor putting every record into a
 * key-value store (LMDB or in memory, logged to a changelog as usual). Once `--keys` records are in and
 * two commits have passed (the second flushes the LMDB write buffer), it collects garbage and prints
 * `MEMORY {json}` with process.memoryUsage(). Run with --expose-gc.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KafkaJsBackend, Serdes, type Serde } from '@oxagry/kafka'
import { KafkaStreams, Stores, Topology, type KeyValueStore } from '@oxagry/streams'
import { pino } from 'pino'
import { intFlag, parseFlags, stringFlag } from '../args.ts'
import type { MemoryReport } from './memory.ts'

const flags = parseFlags(process.argv.slice(2))
const keys = intFlag(flags, 'keys', 1_000_000)
const persistent = stringFlag(flags, 'store') === 'lmdb'
const input = stringFlag(flags, 'input')
const commitIntervalMs = intFlag(flags, 'commit-ms', 100)

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

gc()
const baseline = process.memoryUsage()
const S = Serdes.String() as Serde<unknown>
const storeOptions = {
  keySerde: Serdes.String(),
  valueSerde: Serdes.String(),
  // Works around @oxagry/streams sending a task's changelog records of one commit in one produce
  // request: past the broker's 1 MB default the request is refused (MESSAGE_TOO_LARGE) and the worker
  // fails, which one fetched batch of these records already reaches. See bench/README.md.
  changelogConfig: { 'max.message.bytes': String(32 * 2 ** 20) },
}
const store = persistent
  ? Stores.persistentKeyValueStore('keys', storeOptions)
  : Stores.inMemoryKeyValueStore('keys', storeOptions)

let seen = 0
let firstAt: number | undefined
let doneAt: number | undefined
let done: () => void = () => {}
const allIn = new Promise<void>((resolve) => (done = resolve))

const topology = new Topology()
  .addSource('keys-source', [input], { keySerde: S, valueSerde: S })
  .addProcessor(
    'put',
    () => {
      let kv: KeyValueStore<string, string>
      return {
        init(context) {
          kv = context.getStateStore('keys')
        },
        process(record) {
          kv.put(record.key as string, record.value as string)
          firstAt ??= Date.now()
          if (++seen === keys) {
            doneAt = Date.now()
            done()
          }
        },
      }
    },
    'keys-source',
  )
  .addStateStore(store, 'put')

const streams = new KafkaStreams(topology, {
  applicationId: stringFlag(flags, 'app-id'),
  backend: new KafkaJsBackend({ brokers: stringFlag(flags, 'brokers').split(','), sessionTimeoutMs: 10_000 }),
  processingGuarantee: 'at_least_once',
  commitIntervalMs,
  stateDir: mkdtempSync(join(tmpdir(), 'bench-memory-')),
  logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
})
streams.onStateChange((next) => {
  if (next === 'ERROR') {
    console.error('streams failed:', streams.error)
    process.exit(1)
  }
})
await streams.start()
await allIn
await new Promise((resolve) => setTimeout(resolve, 2.5 * commitIntervalMs))
gc()
const usage = process.memoryUsage()
const entries = streams
  .localStores<KeyValueStore<string, string>>('keys')
  .reduce((sum, s) => sum + s.approximateNumEntries(), 0)
const report: MemoryReport = {
  rss: usage.rss,
  heapUsed: usage.heapUsed,
  heapTotal: usage.heapTotal,
  external: usage.external,
  baseline,
  entries,
  elapsedMs: (doneAt ?? 0) - (firstAt ?? 0),
}
console.log(`MEMORY ${JSON.stringify(report)}`)

process.once('SIGTERM', () => {
  streams.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
