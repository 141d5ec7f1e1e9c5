/**
 * `npm run bench:streams`: @oxagry/streams, a hand-written kafkajs loop and Apache Kafka Streams on the
 * local stack's Kafka, for a stateless and a windowed scenario under at-least-once and exactly-once;
 * then the memory of a worker holding many keys in a store. See bench/README.md for the method.
 *
 *   --records 1000000         inputs of the throughput phase, per run (fewer measure the JVM's warm-up)
 *   --latency-records 20000   inputs of the paced latency phase, per run
 *   --latency-rate 2000       records/s of the paced phase (well below every system's capacity)
 *   --partitions 4            of input and output topics
 *   --scenarios stateless,windowed   --guarantees at_least_once,exactly_once
 *   --systems oxagry-streams,kafkajs-loop,kafka-streams
 *   --threads 1               @oxagry/streams' numStreamThreads, one run each (e.g. 1,2)
 *   --clients kafkajs         @oxagry/streams' Kafka client, one run each (kafkajs,rdkafka)
 *   --runs 1                  runs of every configuration, interleaved; streams.json holds medians
 *   --memory-keys 1000000     keys of the memory scenario; 0 skips it
 *   --out bench/results       where streams.json and memory.json go
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ConfluentSchemaRegistry,
  Contracts,
  createAvroSerde,
  SCHEMAS_ROOT,
  type MachinePing,
} from '@oxagry/avro'
import type { Admin, Message } from 'kafkajs'
import { intFlag, intListFlag, listFlag, parseFlags, stringFlag } from '../args.ts'
import {
  GUARANTEES,
  SCENARIOS,
  STREAMS_CLIENTS,
  SYSTEMS,
  writeJson,
  type Guarantee,
  type Scenario,
  type StreamsClient,
  type StreamsResult,
  type System,
} from '../results.ts'
import { percentile, rate } from '../stats.ts'
import { formatTable } from '../table.ts'
import { SystemProcess } from './child.ts'
import { JAVA_MAIN, javaClasspath } from './java.ts'
import {
  benchKafka,
  createTopics,
  deleteTopicsWithPrefix,
  OutputWatcher,
  pacedProduce,
  preload,
} from './kafka.ts'
import { medianRow } from './medians.ts'
import { CountLatencyTracker, PingLatencyTracker, type LatencyTracker } from './latency.ts'
import { runMemory, type MemoryResult } from './memory.ts'
import { keep, LATENCY_KEY_PREFIX, MACHINES, machineKey, pingMaker, WINDOW_SIZE_MS } from './pings.ts'

const flags = parseFlags(process.argv.slice(2))
const records = intFlag(flags, 'records', 1_000_000)
const latencyRecords = intFlag(flags, 'latency-records', 20_000)
const latencyRate = intFlag(flags, 'latency-rate', 2000)
const partitions = intFlag(flags, 'partitions', 4)
const scenarios = listFlag(flags, 'scenarios', SCENARIOS)
const guarantees = listFlag(flags, 'guarantees', GUARANTEES)
const systems = listFlag(flags, 'systems', SYSTEMS)
const memoryKeys = intFlag(flags, 'memory-keys', 1_000_000, 0)
const threadCounts = intListFlag(flags, 'threads', [1])
const clients: StreamsClient[] = flags.has('clients')
  ? listFlag(flags, 'clients', STREAMS_CLIENTS)
  : ['kafkajs']
const runs = intFlag(flags, 'runs', 1, 1)
const outDir = stringFlag(flags, 'out', fileURLToPath(new URL('../../results', import.meta.url)))
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'

/** Kafka Streams' default at exactly-once; at-least-once a commit a second, the same for all three. */
const COMMIT_INTERVAL_MS: Record<Guarantee, number> = { at_least_once: 1000, exactly_once: 100 }
const SHORT: Record<Scenario | Guarantee | System, string> = {
  stateless: 'sl',
  windowed: 'win',
  at_least_once: 'alos',
  exactly_once: 'eos',
  'oxagry-streams': 'ox',
  'kafkajs-loop': 'kjs',
  'kafka-streams': 'ks',
}
const CLIENT_SHORT: Record<StreamsClient, string> = { kafkajs: '', rdkafka: '-rd' }

const runId = `bench-${Date.now().toString(36)}`
const logDir = mkdtempSync(join(tmpdir(), `${runId}-logs-`))
const log = (line: string): void => console.error(`[bench] ${line}`)
const kafka = benchKafka(brokers)
const registry = new ConfluentSchemaRegistry({ url: registryUrl, clientId: 'oxagry-bench' })
const subjects: string[] = []

function isLatencyKey(key: Buffer | null): boolean {
  return key !== null && key.toString('latin1', 0, LATENCY_KEY_PREFIX.length) === LATENCY_KEY_PREFIX
}

function startSystem(
  system: System,
  scenario: Scenario,
  guarantee: Guarantee,
  names: { app: string; input: string; output: string },
  schemaIds: { input: number; output: number },
  classpath: string | undefined,
  threads: number,
  client: StreamsClient,
): SystemProcess {
  const common = [
    '--brokers',
    brokers.join(','),
    '--app-id',
    names.app,
    '--input',
    names.input,
    '--output',
    names.output,
    '--scenario',
    scenario,
    '--guarantee',
    guarantee,
    '--commit-ms',
    String(COMMIT_INTERVAL_MS[guarantee]),
  ]
  const logFile = join(logDir, `${names.app}.log`)
  if (system === 'kafka-streams') {
    const args = [
      '-cp',
      classpath as string,
      JAVA_MAIN,
      ...common,
      '--schema',
      join(SCHEMAS_ROOT, Contracts.MachinePing.file),
      '--schema-id',
      String(schemaIds.output),
      '--state-dir',
      mkdtempSync(join(tmpdir(), `${names.app}-state-`)),
    ]
    return new SystemProcess(system, 'java', args, logFile)
  }
  const worker = fileURLToPath(new URL('./worker.ts', import.meta.url))
  const args = [
    '--import',
    'tsx',
    worker,
    ...common,
    '--system',
    system,
    '--registry',
    registryUrl,
    '--input-schema-id',
    String(schemaIds.input),
    '--threads',
    String(threads),
    '--client',
    client,
  ]
  return new SystemProcess(system, process.execPath, args, logFile)
}

async function runOne(
  admin: Admin,
  scenario: Scenario,
  guarantee: Guarantee,
  system: System,
  classpath: string | undefined,
  threads: number,
  client: StreamsClient,
  run: number,
): Promise<StreamsResult> {
  const app = `${runId}-${SHORT[scenario]}-${SHORT[guarantee]}-${SHORT[system]}${CLIENT_SHORT[client]}${threads === 1 ? '' : `-t${threads}`}${runs === 1 ? '' : `-r${run}`}`
  const names = { app, input: `${app}-in`, output: `${app}-out` }
  await createTopics(brokers, [
    { name: names.input, partitions },
    // The broker stamps outputs when it appends them: no system can set (or forward) that time.
    { name: names.output, partitions, config: { 'message.timestamp.type': 'LogAppendTime' } },
  ])
  const serde = await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    autoRegister: true,
    topics: [names.input, names.output],
  })
  subjects.push(`${names.input}-value`, `${names.output}-value`)
  const encode = (ping: MachinePing): Buffer => serde.serialize(names.input, ping, {}) as Buffer
  // A producer per run: kafkajs keeps refreshing metadata of every topic a producer ever wrote to, and
  // the previous run's topics are deleted.
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()

  const make = pingMaker(42)
  const messages: Message[] = []
  let kept = 0
  const now = Date.now()
  for (let i = 0; i < records; i++) {
    const key = machineKey(i)
    const ping = make(key, Math.floor(i / MACHINES), now)
    if (keep(ping)) kept++
    messages.push({ key, value: encode(ping) })
  }
  const preloadStarted = Date.now()
  await preload(producer, names.input, messages)
  log(`${app}: preloaded ${records} records in ${Date.now() - preloadStarted} ms`)

  const watcher = await OutputWatcher.start(kafka, names.output, isLatencyKey)
  const sut = startSystem(
    system,
    scenario,
    guarantee,
    names,
    { input: serde.schemaIdFor(names.input) as number, output: serde.schemaIdFor(names.output) as number },
    classpath,
    threads,
    client,
  )
  const base = {
    scenario,
    guarantee,
    system,
    ...(client === 'kafkajs' ? {} : { client }),
    ...(threads === 1 ? {} : { threads }),
    records,
  }
  let cpuAtFirst: number | undefined
  watcher.onFirstOutput = () => (cpuAtFirst = sut.cpuMs())
  try {
    const expected = scenario === 'stateless' ? kept : records
    const window = await sut.guard(watcher.throughput(expected, Math.max(120_000, records)))
    const recordsPerSec = rate(records, window.doneAt - window.firstAt) ?? null
    const cpuAtDone = sut.cpuMs()
    const cpuMsPer1k =
      cpuAtFirst === undefined || cpuAtDone === undefined
        ? null
        : Math.round(((cpuAtDone - cpuAtFirst) * 10_000) / records) / 10
    log(`${app}: ${expected} outputs in ${window.doneAt - window.firstAt} ms: ${recordsPerSec} records/s`)

    const tracker: LatencyTracker & { expect(key: string, at: number): void } =
      scenario === 'stateless'
        ? new PingLatencyTracker((value) => {
            const ping = Contracts.MachinePing.type.fromBuffer(value.subarray(5)) as MachinePing
            return { pingId: ping.pingId, eventTime: ping.eventTime }
          })
        : new CountLatencyTracker(WINDOW_SIZE_MS)
    watcher.track(tracker)
    const paced = pingMaker(7)
    await sut.guard(
      pacedProduce(producer, names.input, latencyRecords, latencyRate, (i, at) => {
        const key = machineKey(i, LATENCY_KEY_PREFIX)
        const ping = paced(key, i, at)
        if (scenario === 'windowed' || keep(ping)) tracker.expect(key, at)
        return { key, value: encode(ping), timestamp: String(at) }
      }),
    )
    await sut.guard(watcher.latency(tracker, 60_000))
    if (watcher.seen !== expected)
      log(`${app}: WARNING: ${watcher.seen} throughput-phase outputs, expected ${expected}`)
    const { append, visible } = tracker.latencies()
    const result: StreamsResult = {
      ...base,
      recordsPerSec,
      p99Ms: percentile(append, 99),
      p50Ms: percentile(append, 50),
      p99VisibleMs: percentile(visible, 99),
      cpuMsPer1k,
    }
    log(
      `${app}: latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, p99 visible ${result.p99VisibleMs} ms`,
    )
    return result
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`${app}: FAILED: ${message}`)
    return { ...base, recordsPerSec: null, p99Ms: null, error: message.split('\n')[0] ?? message }
  } finally {
    await sut.stop()
    await watcher.stop()
    await producer.disconnect()
    await deleteTopicsWithPrefix(admin, app).catch((error: unknown) =>
      log(`${app}: cleanup: ${String(error)}`),
    )
  }
}

function streamsTable(rows: readonly StreamsResult[]): string {
  return formatTable(
    [
      { header: 'scenario' },
      { header: 'guarantee' },
      { header: 'system' },
      { header: 'client' },
      { header: 'threads', align: 'right' },
      { header: 'runs', align: 'right' },
      { header: 'records', align: 'right' },
      { header: 'records/s', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
      { header: 'p99 visible ms', align: 'right' },
      { header: 'cpu ms/1k', align: 'right' },
      { header: 'error' },
    ],
    rows.map((r) => [
      r.scenario,
      r.guarantee,
      r.system,
      r.system === 'kafka-streams' ? 'java' : (r.client ?? 'kafkajs'),
      r.threads ?? 1,
      r.runs ?? 1,
      r.records,
      r.recordsPerSec,
      r.p50Ms,
      r.p99Ms,
      r.p99VisibleMs,
      r.cpuMsPer1k,
      r.error,
    ]),
  )
}

function memoryTable(rows: readonly MemoryResult[]): string {
  return formatTable(
    [
      { header: 'store' },
      { header: 'keys', align: 'right' },
      { header: 'records/s', align: 'right' },
      { header: 'rss MB', align: 'right' },
      { header: 'heap used MB', align: 'right' },
      { header: 'external MB', align: 'right' },
      { header: 'baseline rss MB', align: 'right' },
      { header: 'error' },
    ],
    rows.map((r) => [
      r.store,
      r.keys,
      r.recordsPerSec,
      r.rssMB,
      r.heapUsedMB,
      r.externalMB,
      r.baselineRssMB,
      r.error,
    ]),
  )
}

async function main(): Promise<void> {
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (error) {
    throw new Error(`Kafka is not reachable at ${brokers.join(',')}: start the stack with npm run stack:up`, {
      cause: error,
    })
  }
  const classpath = systems.includes('kafka-streams') ? javaClasspath(log) : undefined
  const started = Date.now()
  // Every configuration once per round, rounds one after another: a run's neighbours are the other
  // systems, not its own repeats, so a slow stretch of the machine spreads over all of them.
  const byConfiguration = new Map<string, StreamsResult[]>()
  try {
    for (let run = 1; run <= runs; run++)
      for (const scenario of scenarios)
        for (const guarantee of guarantees)
          for (const system of systems)
            // Clients and threads are @oxagry/streams' dimensions: the other systems run once a round.
            for (const client of system === 'oxagry-streams' ? clients : (['kafkajs'] as const))
              // node-rdkafka's addon loads in one thread of a process: stream threads are kafkajs'.
              for (const threads of system === 'oxagry-streams' && client === 'kafkajs'
                ? threadCounts
                : [1]) {
                const key = `${scenario}/${guarantee}/${system}/${client}/${threads}`
                const result = await runOne(
                  admin,
                  scenario,
                  guarantee,
                  system,
                  classpath,
                  threads,
                  client,
                  run,
                )
                byConfiguration.set(key, [...(byConfiguration.get(key) ?? []), result])
              }
    const results = [...byConfiguration.values()].map(medianRow)
    console.log(
      `\nstreams: ${records} records per run, latency over ${latencyRecords} records at ${latencyRate}/s${runs === 1 ? '' : `; medians of ${runs} runs`}\n`,
    )
    console.log(streamsTable(results))
    writeJson(join(outDir, 'streams.json'), results)

    if (memoryKeys > 0) {
      const memory = await runMemory({
        kafka,
        brokers,
        runId,
        keys: memoryKeys,
        partitions,
        logDir,
        log,
      })
      console.log(`\nmemory: a worker holding ${memoryKeys} keys (100-byte values) in one store\n`)
      console.log(memoryTable(memory))
      writeJson(join(outDir, 'memory.json'), memory)
    }
    log(`done in ${Math.round((Date.now() - started) / 1000)} s; results in ${outDir}, logs in ${logDir}`)
  } finally {
    await deleteTopicsWithPrefix(admin, runId).catch(() => {})
    await admin.disconnect()
    for (const subject of subjects) await registry.deleteSubject(subject).catch(() => {})
  }
}

// Exit explicitly: a client's lingering socket or timer must not keep a finished benchmark alive.
await main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
