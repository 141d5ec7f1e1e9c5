/**
 * `npm run bench:tracking`: the live-tracking slice on the local stack (Kafka, the registry, MongoDB;
 * ClickHouse is chdb in process). See bench/README.md for the method.
 *
 *   latency    the platform (tracking, sinks, API) in a process of its own, fed by a paced producer
 *              process; produced → WebSocket client p50/p99 per rate, and the highest sustained rate
 *   sinks      runSink draining preloaded topics into ClickHouse (accepted pings) and MongoDB (positions)
 *   websocket  the live feed's server with 1 000 clients subscribed to everything, 10 % not reading
 *
 *   --quick                     a smoke run of 1-2 minutes (1 run, short phases, fewer clients);
 *                               writes <tmpdir>/oxagry-tracking-quick.json
 *   --runs 3                    full runs; the summary holds each figure's median
 *   --phases latency,sinks,websocket
 *   --rates 1000,2000,5000,10000,15000,20000,40000   --required-rates 1000,5000,20000
 *   --machines 2000             machines of the fleet (the latency producer and the sink preload)
 *   --warmup-seconds 10  --measure-seconds 30
 *   --max-p99-ms 2000  --max-lag-seconds 3     when a step counts as kept up
 *   --drain-timeout-seconds 180
 *   --guarantee at_least_once   of the platform's tracking job
 *   --client kafkajs            the platform's Kafka client (KAFKA_CLIENT); results of another client
 *                               than the platform's default go to tracking-<client>.json
 *   --profile-dir DIR           the latency phase's platform writes a CPU profile (one per run) there
 *   --parts slice               what the latency phase's platform runs: `slice` (tracking, its three
 *                               sinks and the API, as the tracking workloads are deployed), `all` (every
 *                               part, as `npm start`), or a PLATFORM_PARTS list
 *   --sink-records 200000  --sink-batch-records 2000  --sink-batch-wait-ms 250   (also the platform's)
 *   --sink-targets clickhouse,mongodb  --sink-stall-seconds 30  --sink-timeout-seconds 120
 *   --ws-clients 1000  --ws-non-reading-percents 10,0  --ws-feed-rate 5000  --ws-samples 10,30,60
 *   --out bench/results         where tracking.json goes
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { availableKafkaClients, DEFAULT_KAFKA_CLIENT } from '@oxagry/kafka'
import { platformNames } from '@oxagry/main/names'
import type { PlatformPart } from '@oxagry/main'
import { intFlag, intListFlag, listFlag, parseFlags, stringFlag, takeSwitches } from '../args.ts'
import { GUARANTEES, writeJson } from '../results.ts'
import { median } from '../stats.ts'
import { SystemProcess } from '../streams/child.ts'
import { benchKafka } from '../streams/kafka.ts'
import { cleanUpStack, sinkDatabase } from './cleanup.ts'
import { runLatency } from './latency.ts'
import {
  loadAverage,
  machineInfo,
  SINK_TARGETS,
  summarizeSinks,
  summarizeSteps,
  summarizeWebSocket,
  type SinkResult,
  type TrackingRun,
  type WebSocketResult,
} from './results.ts'
import { checkStack, stackServices, StackUnreachableError } from './services.ts'
import { DEFAULT_CRITERIA, type KeptUpCriteria } from './steps.ts'
import { latencyTable, sinksTable, webSocketTable } from './tables.ts'
import { runWebSocketMemory } from './websocket.ts'

const PHASES = ['latency', 'sinks', 'websocket'] as const

/** The live-tracking slice's parts, which Kubernetes runs as the tracking, sink and API workloads. */
const TRACKING_SLICE_PARTS = [
  'tracking',
  'sink-clickhouse-pings',
  'sink-clickhouse-sessions',
  'sink-read-model',
  'api',
] as const satisfies readonly PlatformPart[]
type Phase = (typeof PHASES)[number]

const { switches, rest } = takeSwitches(process.argv.slice(2), ['quick'])
const quick = switches.has('quick')
const flags = parseFlags(rest)
const runs = intFlag(flags, 'runs', quick ? 1 : 3)
const phases = listFlag(flags, 'phases', PHASES)
const rates = intListFlag(
  flags,
  'rates',
  quick ? [1000, 5000] : [1000, 2000, 5000, 10_000, 15_000, 20_000, 40_000],
)
const requiredRates = intListFlag(flags, 'required-rates', quick ? [] : [1000, 5000, 20_000])
const machines = intFlag(flags, 'machines', 2000)
const warmupMs = intFlag(flags, 'warmup-seconds', quick ? 3 : 10, 0) * 1000
const measureMs = intFlag(flags, 'measure-seconds', quick ? 5 : 30) * 1000
const criteria: KeptUpCriteria = {
  ...DEFAULT_CRITERIA,
  maxP99Ms: intFlag(flags, 'max-p99-ms', DEFAULT_CRITERIA.maxP99Ms),
  maxLagSeconds: intFlag(flags, 'max-lag-seconds', DEFAULT_CRITERIA.maxLagSeconds),
}
const drainTimeoutMs = intFlag(flags, 'drain-timeout-seconds', 180) * 1000
const guarantee = listFlag(flags, 'guarantee', GUARANTEES)[0] ?? 'at_least_once'
const kafkaClient = listFlag(flags, 'client', availableKafkaClients())[0] ?? DEFAULT_KAFKA_CLIENT
const profileDir = flags.get('profile-dir')
const partsFlag = stringFlag(flags, 'parts', 'slice')
const parts =
  partsFlag === 'all' ? undefined : partsFlag === 'slice' ? TRACKING_SLICE_PARTS : partsFlag.split(',')
const sinkRecords = intFlag(flags, 'sink-records', quick ? 20_000 : 200_000)
const sinkBatch = {
  maxRecords: intFlag(flags, 'sink-batch-records', 2000),
  maxWaitMs: intFlag(flags, 'sink-batch-wait-ms', 250),
}
const sinkTargets = listFlag(flags, 'sink-targets', SINK_TARGETS)
const sinkStallSeconds = intFlag(flags, 'sink-stall-seconds', quick ? 5 : 30)
const sinkTimeoutSeconds = intFlag(flags, 'sink-timeout-seconds', quick ? 10 : 120)
const wsClients = intFlag(flags, 'ws-clients', quick ? 200 : 1000)
const wsNonReadingPercents = intListFlag(flags, 'ws-non-reading-percents', quick ? [10] : [10, 0], 0)
const wsFeedRate = intFlag(flags, 'ws-feed-rate', 5000)
const wsSamples = intListFlag(flags, 'ws-samples', quick ? [3, 8] : [10, 30, 60])
// A smoke run's figures mean little: they go to the temp directory, not over the committed results.
const outDir = stringFlag(
  flags,
  'out',
  quick ? tmpdir() : fileURLToPath(new URL('../../results', import.meta.url)),
)
const outName = kafkaClient === DEFAULT_KAFKA_CLIENT ? 'tracking' : `tracking-${kafkaClient}`
const outFile = join(outDir, quick ? `oxagry-${outName}-quick.json` : `${outName}.json`)

const services = stackServices()
const runId = `bench-trk-${Date.now().toString(36)}`
const logDir = mkdtempSync(join(tmpdir(), `${runId}-logs-`))
const log = (line: string): void => console.error(`[bench] ${line}`)
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const parameters = {
  runs,
  phases,
  guarantee,
  kafkaClient,
  parts: parts ?? 'all',
  latency: {
    rates,
    requiredRates,
    machines,
    warmupSeconds: warmupMs / 1000,
    measureSeconds: measureMs / 1000,
    criteria,
    producerTickMs: 20,
    hubFlushIntervalMs: 100,
  },
  sinks: {
    records: sinkRecords,
    machines,
    batch: sinkBatch,
    targets: sinkTargets,
    stallSeconds: sinkStallSeconds,
    timeoutSeconds: sinkTimeoutSeconds,
  },
  websocket: {
    clients: wsClients,
    nonReadingPercents: wsNonReadingPercents,
    machines,
    feedRate: wsFeedRate,
    sampleAtSeconds: wsSamples,
  },
}

/** The sink benchmark in a child: chdb holds one session per process, and each run wants a fresh one. */
async function runSinksChild(prefix: string): Promise<SinkResult[]> {
  const child = SystemProcess.script(
    'sinks',
    new URL('./sinks-child.ts', import.meta.url),
    [
      ...['--prefix', prefix, '--records', String(sinkRecords), '--machines', String(machines)],
      ...['--batch-records', String(sinkBatch.maxRecords), '--batch-wait-ms', String(sinkBatch.maxWaitMs)],
      ...['--targets', sinkTargets.join(','), '--stall-seconds', String(sinkStallSeconds)],
      ...['--timeout-seconds', String(sinkTimeoutSeconds)],
    ],
    join(logDir, `${prefix}.log`),
  )
  child.onLine((line) => {
    if (line.startsWith('LOG ')) log(line.slice(4))
  })
  try {
    return JSON.parse((await child.line((l) => l.startsWith('RESULT '))).slice(7)) as SinkResult[]
  } finally {
    await child.stop()
  }
}

const runPrefix = (index: number): string => `${runId}-r${index + 1}`
const sinksPrefix = (prefix: string): string => `${prefix}-sinks`

async function runOnce(index: number): Promise<TrackingRun> {
  const prefix = runPrefix(index)
  const startedAt = new Date().toISOString()
  const loadAvg = loadAverage()
  log(`run ${index + 1} of ${runs}: load average ${loadAvg}`)
  const errors: string[] = []
  const attempt = async <T>(phase: Phase, work: () => Promise<T>): Promise<T | undefined> => {
    if (!phases.includes(phase)) return undefined
    try {
      return await work()
    } catch (error) {
      log(`${phase}: FAILED: ${message(error)}`)
      errors.push(`${phase}: ${message(error).split('\n')[0]}`)
      return undefined
    }
  }
  const latency = await attempt('latency', () =>
    runLatency({
      services,
      prefix,
      rates,
      requiredRates,
      machines,
      warmupMs,
      measureMs,
      criteria,
      drainTimeoutMs,
      guarantee,
      kafkaClient,
      sinkBatch,
      logDir,
      log,
      ...(parts === undefined ? {} : { parts }),
      ...(profileDir === undefined ? {} : { profileDir }),
    }),
  )
  const sinks = await attempt('sinks', () => runSinksChild(sinksPrefix(prefix)))
  const websocket = await attempt('websocket', async () => {
    const results: WebSocketResult[] = []
    for (const percent of wsNonReadingPercents) {
      results.push(
        await runWebSocketMemory({
          clients: wsClients,
          nonReading: Math.round((wsClients * percent) / 100),
          machines,
          feedRate: wsFeedRate,
          sampleAtSeconds: wsSamples,
          baselineMs: quick ? 2000 : 5000,
          logDir,
          log,
        }),
      )
    }
    return results
  })
  return {
    startedAt,
    loadAvg,
    ...(latency === undefined ? {} : { latency }),
    ...(sinks === undefined ? {} : { sinks }),
    ...(websocket === undefined ? {} : { websocket }),
    ...(errors.length === 0 ? {} : { errors }),
  }
}

function summary(done: readonly TrackingRun[]) {
  const latencyRuns = done.flatMap((r) => (r.latency === undefined ? [] : [r.latency]))
  const sustained = latencyRuns.map((r) => r.highestSustainedRate)
  const sustainedLive = latencyRuns.map((r) => r.highestSustainedRateWithoutReadModel)
  const mid = (values: readonly (number | null)[]): number | null => {
    const known = values.filter((v): v is number => v !== null)
    return known.length === 0 ? null : median(known)
  }
  return {
    runs: done.length,
    latency: summarizeSteps(latencyRuns),
    highestSustainedRate: mid(sustained),
    highestSustainedRatePerRun: sustained,
    highestSustainedRateWithoutReadModel: mid(sustainedLive),
    highestSustainedRateWithoutReadModelPerRun: sustainedLive,
    sinks: summarizeSinks(done.flatMap((r) => (r.sinks === undefined ? [] : [r.sinks]))),
    websocket: summarizeWebSocket(done.flatMap((r) => (r.websocket === undefined ? [] : [r.websocket]))),
  }
}

function print(title: string, result: ReturnType<typeof summary>): void {
  console.log(`\n${title}\n`)
  if (result.latency.length > 0) {
    console.log(
      `latency: pings produced → WebSocket client (${guarantee}, ${machines} machines, ` +
        `${warmupMs / 1000} s warm-up + ${measureMs / 1000} s measured per rate)\n`,
    )
    console.log(latencyTable(result.latency))
    const perRun = (values: readonly (number | null)[]): string =>
      result.runs > 1 ? ` (median; per run: ${values.map((v) => v ?? 'none').join(', ')})` : ''
    console.log(
      `\nhighest sustained rate: ${result.highestSustainedRate ?? 'none'} pings/s` +
        perRun(result.highestSustainedRatePerRun) +
        `; leaving the read model's lag out: ${result.highestSustainedRateWithoutReadModel ?? 'none'} pings/s` +
        perRun(result.highestSustainedRateWithoutReadModelPerRun),
    )
  }
  if (result.sinks.length > 0) {
    console.log(
      `\nsinks: ${sinkRecords} preloaded records drained by runSink ` +
        `(batches of ${sinkBatch.maxRecords} records or ${sinkBatch.maxWaitMs} ms)\n`,
    )
    console.log(sinksTable(result.sinks))
  }
  if (result.websocket.length > 0) {
    console.log(
      `\nwebsocket server: clients subscribed to all ${machines} machines, feed ${wsFeedRate} positions/s\n`,
    )
    console.log(webSocketTable(result.websocket))
  }
}

let stackReached = false

async function main(): Promise<void> {
  await checkStack(services)
  stackReached = true
  const machine = machineInfo()
  log(
    `${machine.cpus} × ${machine.cpuModel}; everything (Kafka, registry, FerretDB, the platform, producer and ` +
      `clients) shares these cores, so the figures are relative; logs in ${logDir}`,
  )
  const done: TrackingRun[] = []
  for (let i = 0; i < runs; i++) {
    done.push(await runOnce(i))
    if (runs > 1) print(`run ${i + 1} of ${runs}`, summary(done.slice(-1)))
    writeJson(outFile, {
      benchmark: 'tracking',
      date: new Date().toISOString(),
      machine,
      parameters,
      summary: summary(done),
      runs: done,
    })
  }
  print(runs > 1 ? `median of ${runs} runs` : 'tracking', summary(done))
  log(`results in ${outFile}, logs in ${logDir}`)
}

/**
 * What outlives a run's own cleanup: groups whose member was stopped mid-write (until the broker expires
 * it) and databases a stuck FerretDB write created again after the drop. Swept at the end.
 */
async function sweep(): Promise<void> {
  if (!stackReached) return
  const admin = benchKafka(services.brokers).admin()
  try {
    await admin.connect()
    const mongoDatabases = Array.from({ length: runs }, (_, i) => runPrefix(i)).flatMap((prefix) => [
      platformNames(prefix).mongoDatabase,
      ...sinkTargets.filter((t) => t !== 'clickhouse').map((t) => sinkDatabase(sinksPrefix(prefix), t)),
    ])
    for (const problem of await cleanUpStack(admin, services, runId, { groupWaitMs: 60_000, mongoDatabases }))
      log(`cleanup: ${problem}`)
  } catch (error) {
    log(`cleanup: ${message(error)}`)
  } finally {
    await admin.disconnect()
  }
}

// Exit explicitly: a client's lingering socket or timer must not keep a finished benchmark alive.
await main()
  .finally(sweep)
  .then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof StackUnreachableError ? error.message : error)
      process.exit(1)
    },
  )
