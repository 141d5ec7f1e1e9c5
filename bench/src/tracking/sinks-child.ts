/**
 * The sink benchmark in a process of its own: chdb keeps one session per process, so each run opens
 * its ClickHouse in a fresh one. Prints `RESULT [...]` (one SinkResult per target) when done.
 */
import { randomUUID } from 'node:crypto'
import { intFlag, listFlag, parseFlags, stringFlag } from '../args.ts'
import { SINK_TARGETS } from './results.ts'
import { runSinks } from './sinks.ts'
import { stackServices } from './services.ts'

const flags = parseFlags(process.argv.slice(2))
const results = await runSinks({
  services: stackServices(),
  prefix: stringFlag(flags, 'prefix', `bench-sinks-${randomUUID().slice(0, 8)}`),
  records: intFlag(flags, 'records', 200_000),
  machines: intFlag(flags, 'machines', 2000),
  batch: {
    maxRecords: intFlag(flags, 'batch-records', 2000),
    maxWaitMs: intFlag(flags, 'batch-wait-ms', 250),
  },
  targets: listFlag(flags, 'targets', SINK_TARGETS),
  stallMs: intFlag(flags, 'stall-seconds', 30) * 1000,
  timeoutMs: intFlag(flags, 'timeout-seconds', 120) * 1000,
  log: (line) => console.log(`LOG ${line}`),
})
console.log(`RESULT ${JSON.stringify(results)}`)
process.exit(0)
