/**
 * `npm run bench:commerce -- --rest`: the commerce flow as a client of the REST API sees it, on the local
 * stack. The platform runs as `npm start` does, in a process of its own (the stack's Kafka, registry,
 * PostgreSQL for the order and payment views, MongoDB-wire for stock); this process is the clients.
 *
 *   latency  checkouts POSTed at --rate per second for --measure-seconds, each read back with
 *            `GET /api/v1/orders/{id}?waitFor=decision`: POST sent → CONFIRMED answered, p50 and p99
 *   reads    --read-seconds of `GET /api/v1/orders/{id}` (ids the latency run placed) and of
 *            `GET /api/v1/inventory/stock?productId=&warehouseId=`, --connections keep-alive clients
 *            (autocannon), requests/s and latency
 *
 *   --runs 3  --rate 200  --measure-seconds 30  --read-seconds 10  --connections 50
 *   --warmup-seconds 20   checkouts at --rate before the measured ones, not measured: a platform just
 *                         started answers its first checkouts seconds late (connections, joins, JIT)
 *   --clients kafkajs,rdkafka   the Kafka client the platform runs on, each measured in turn
 *   --quick   one short run; writes <tmpdir>/oxagry-commerce-rest-quick.json
 *   --out bench/results        where commerce-rest.json goes
 *   --profile-dir DIR          the platform writes a CPU profile there when it exits
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { availableKafkaClients, type KafkaClientName } from '@oxagry/kafka'
import { platformNames } from '@oxagry/main/names'
import { intFlag, listFlag, parseFlags, stringFlag, takeSwitches } from '../args.ts'
import { writeJson } from '../results.ts'
import { median } from '../stats.ts'
import { benchKafka } from '../streams/kafka.ts'
import { formatTable } from '../table.ts'
import { cleanUpStack } from '../tracking/cleanup.ts'
import { processCpuMs, stackBrokerPid } from '../process-cpu.ts'
import { DecisionFollower } from './decisions.ts'
import { restLatency, restReads, stockUp, type RestLatencyResult, type RestReadResult } from './rest.ts'
import { RestPlatform, type RestStack } from './rest-platform.ts'

const { switches, rest } = takeSwitches(process.argv.slice(2), ['quick', 'rest'])
const quick = switches.has('quick')
const flags = parseFlags(rest)
const runs = intFlag(flags, 'runs', quick ? 1 : 3)
const rate = intFlag(flags, 'rate', quick ? 50 : 200)
const measureSeconds = intFlag(flags, 'measure-seconds', quick ? 10 : 30)
const warmupSeconds = intFlag(flags, 'warmup-seconds', 20, 0)
const readSeconds = intFlag(flags, 'read-seconds', quick ? 5 : 10)
const connections = intFlag(flags, 'connections', 50)
const clients = listFlag(flags, 'clients', availableKafkaClients())
const profileDir = flags.get('profile-dir')
const out = quick
  ? join(tmpdir(), 'oxagry-commerce-rest-quick.json')
  : join(
      stringFlag(flags, 'out', fileURLToPath(new URL('../../results', import.meta.url))),
      'commerce-rest.json',
    )
const stack: RestStack = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  postgresUrl: stringFlag(
    flags,
    'postgres-url',
    process.env.POSTGRES_URL ?? 'postgres://oxagry@127.0.0.1:5432/oxagry',
  ),
  mongodbUrl: stringFlag(flags, 'mongodb-url', process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/'),
}

/**
 * Removes what a run left on the stack (its topics, the streams runtime's internal topics, groups,
 * subjects, MongoDB database): each run makes a few hundred partitions, and a broker that keeps them
 * slows every later run, so figures would drift with the number of runs before them.
 */
async function removeRun(prefix: string): Promise<void> {
  const admin = benchKafka(stack.brokers).admin()
  try {
    await admin.connect()
    const mongoDatabases = [platformNames(prefix).mongoDatabase]
    for (const problem of await cleanUpStack(admin, stack, prefix, { groupWaitMs: 30_000, mongoDatabases }))
      process.stderr.write(`  cleanup: ${problem}\n`)
  } catch (error) {
    process.stderr.write(`  cleanup: ${String(error)}\n`)
  } finally {
    await admin.disconnect()
  }
}

interface Run {
  readonly client: KafkaClientName
  readonly run: number
  readonly latency: RestLatencyResult
  /** CPU (user + system) the platform's process used in the measured phase, per order placed, ms. */
  readonly platformCpuMsPerOrder?: number
  /** The same over the phase's wall time: cores the platform kept busy. */
  readonly platformCores?: number
  /** The broker's CPU per order placed in the measured phase, ms. */
  readonly brokerCpuMsPerOrder?: number
  readonly reads: readonly RestReadResult[]
}

/** The median of the values present; null when none is. */
function medianOf(values: readonly (number | undefined)[]): number | null {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  return present.length === 0 ? null : median(present)
}

/** CPU ms the process used since `before`; undefined when it cannot say. */
function cpuSince(pid: number | undefined, before: number | undefined): number | undefined {
  const after = pid === undefined ? undefined : processCpuMs(pid)
  return after === undefined || before === undefined ? undefined : after - before
}

const round2 = (n: number): number => Math.round(n * 100) / 100

const results: Run[] = []
for (let i = 1; i <= runs; i++) {
  for (const client of clients) {
    process.stderr.write(`run ${i}/${runs}, ${client}: starting the platform\n`)
    const platform = await RestPlatform.start(stack, {
      kafkaClient: client,
      ...(profileDir ? { profileDir } : {}),
    })
    try {
      const runId = `bench-${Date.now().toString(36)}`
      await stockUp(platform, runId)
      const decisions = await DecisionFollower.start(stack, platform.prefix)
      if (warmupSeconds > 0) {
        process.stderr.write(`  warm-up: ${rate} checkouts/s for ${warmupSeconds} s, not measured\n`)
        await restLatency(platform, { rate, seconds: warmupSeconds, runId: `${runId}-warmup` })
      }
      process.stderr.write(`  latency: ${rate} checkouts/s for ${measureSeconds} s\n`)
      const broker = stackBrokerPid()
      const cpuBefore = platform.pid === undefined ? undefined : processCpuMs(platform.pid)
      const brokerBefore = broker === undefined ? undefined : processCpuMs(broker)
      const wallBefore = performance.now()
      const { result: latency, orderIds } = await restLatency(platform, {
        rate,
        seconds: measureSeconds,
        runId,
        decided: decisions.decided,
      })
      const wallMs = performance.now() - wallBefore
      const platformCpuMs = cpuSince(platform.pid, cpuBefore)
      const brokerCpuMs = cpuSince(broker, brokerBefore)
      const perOrder = (ms: number | undefined): number | undefined =>
        ms === undefined || latency.orders === 0 ? undefined : round2(ms / latency.orders)
      const platformCpuMsPerOrder = perOrder(platformCpuMs)
      const platformCores = platformCpuMs === undefined ? undefined : round2(platformCpuMs / wallMs)
      const brokerCpuMsPerOrder = perOrder(brokerCpuMs)
      await decisions.stop()
      process.stderr.write(
        `  ${JSON.stringify({ ...latency, platformCpuMsPerOrder, platformCores, brokerCpuMsPerOrder })}\n`,
      )
      const reads: RestReadResult[] = []
      for (const route of ['order-by-id', 'stock'] as const) {
        reads.push(await restReads(platform, { route, orderIds, connections, seconds: readSeconds }))
        process.stderr.write(`  ${JSON.stringify(reads.at(-1))}\n`)
      }
      results.push({
        client,
        run: i,
        latency,
        ...(platformCpuMsPerOrder === undefined ? {} : { platformCpuMsPerOrder }),
        ...(platformCores === undefined ? {} : { platformCores }),
        ...(brokerCpuMsPerOrder === undefined ? {} : { brokerCpuMsPerOrder }),
        reads,
      })
    } finally {
      await platform.close()
      await removeRun(platform.prefix)
    }
  }
}

const medians = clients.map((client) => {
  const mine = results.filter((r) => r.client === client)
  const reads = (route: RestReadResult['route']) =>
    median(mine.map((r) => r.reads.find((x) => x.route === route)?.requestsPerSec ?? 0))
  return {
    client,
    p50Ms: median(mine.map((r) => r.latency.p50Ms)),
    p99Ms: median(mine.map((r) => r.latency.p99Ms)),
    decisionP99Ms: medianOf(mine.map((r) => r.latency.decisionP99Ms)),
    viewP99Ms: medianOf(mine.map((r) => r.latency.viewP99Ms)),
    platformCpuMsPerOrder: medianOf(mine.map((r) => r.platformCpuMsPerOrder)),
    platformCores: medianOf(mine.map((r) => r.platformCores)),
    orderReadsPerSec: reads('order-by-id'),
    stockReadsPerSec: reads('stock'),
  }
})
writeJson(out, {
  machine: { cores: 2 },
  settings: { runs, rate, warmupSeconds, measureSeconds, readSeconds, connections },
  runs: results,
  medians,
})

console.log(
  `\ncommerce over REST: the platform as npm start runs it on the stack, ${connections} read connections\n`,
)
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'run' },
      { header: 'rate/s' },
      { header: 'orders' },
      { header: 'confirmed' },
      { header: 'POST p50 ms' },
      { header: 'POST p99 ms' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
      { header: 'in Kafka p50/p99' },
      { header: 'view p50/p99' },
      { header: 'CPU ms/order' },
      { header: 'cores' },
      { header: 'broker ms/order' },
      { header: 'order reads/s' },
      { header: 'stock reads/s' },
      { header: 'failures' },
    ],
    results.map((r) => [
      r.client,
      r.run,
      r.latency.rate,
      r.latency.orders,
      r.latency.confirmed,
      r.latency.postP50Ms,
      r.latency.postP99Ms,
      r.latency.p50Ms,
      r.latency.p99Ms,
      `${r.latency.decisionP50Ms ?? '-'}/${r.latency.decisionP99Ms ?? '-'}`,
      `${r.latency.viewP50Ms ?? '-'}/${r.latency.viewP99Ms ?? '-'}`,
      r.platformCpuMsPerOrder ?? '-',
      r.platformCores ?? '-',
      r.brokerCpuMsPerOrder ?? '-',
      r.reads.find((x) => x.route === 'order-by-id')?.requestsPerSec,
      r.reads.find((x) => x.route === 'stock')?.requestsPerSec,
      JSON.stringify(r.latency.failures),
    ]),
  ),
)
console.log('\nmedians (POST sent → CONFIRMED readable over REST)\n')
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
      { header: 'in Kafka p99' },
      { header: 'view p99' },
      { header: 'CPU ms/order' },
      { header: 'cores' },
      { header: 'order reads/s' },
      { header: 'stock reads/s' },
    ],
    medians.map((m) => [
      m.client,
      m.p50Ms,
      m.p99Ms,
      m.decisionP99Ms,
      m.viewP99Ms,
      m.platformCpuMsPerOrder,
      m.platformCores,
      m.orderReadsPerSec,
      m.stockReadsPerSec,
    ]),
  ),
)
console.log(`\nwritten to ${out}`)
