/**
 * `npm run bench:commerce`: the commerce flow on the local stack (Kafka and the registry), the four
 * roles (orders, inventory, payments, the payment gateway) as processes of their own under
 * exactly-once. See bench/README.md.
 *
 *   throughput  --orders N checkouts of --lines lines written as fast as the market's producer can,
 *               timed from the first write to the last decision readable on orders.order-status.v1
 *   latency     checkouts at --rate per second for --warmup-seconds, then --measure-seconds more of
 *               them, measured: OrderPlaced produced → decision readable (read_committed), p50 and p99,
 *               and the time spent per hop (broker append times)
 *
 *   --runs 3  --orders 5000  --lines 3  --rate 200  --warmup-seconds 20  --measure-seconds 30
 *   --commit-interval-ms 100
 *   --clients kafkajs,rdkafka   the Kafka client every role runs on, each measured in turn (exactly-once
 *               per task on kafkajs, per thread on rdkafka: see TransactionalIdScheme)
 *   --quick    one short run of each; writes <tmpdir>/oxagry-commerce-quick.json
 *   --out bench/results         where commerce.json goes
 *   --profile-dir DIR          each role writes CPU profiles (one per thread) into <role>-<time>/ there
 *   --broker-pid PID           the broker whose CPU per order the throughput run reports; by default the
 *               one in the stack's pid file (STACK_DIR, else .stack/)
 *
 *   --rest     the same flow as a client of the REST API sees it instead (see rest-cli.ts)
 */
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { availableKafkaClients, type KafkaClientName } from '@oxagry/kafka'
import { intFlag, listFlag, parseFlags, stringFlag, takeSwitches } from '../args.ts'
import { cpuMsOf, processCpuMs, stackBrokerPid } from '../process-cpu.ts'
import { writeJson } from '../results.ts'
import { median, percentile } from '../stats.ts'
import { formatTable } from '../table.ts'
import { hopTimes, HOPS, type HopStats } from './hops.ts'
import { checkouts, CommerceRun, type CommerceStack, type HopPoint } from './run.ts'

if (process.argv.includes('--rest')) {
  await import('./rest-cli.ts')
  process.exit(0)
}
const { switches, rest } = takeSwitches(process.argv.slice(2), ['quick'])
const quick = switches.has('quick')
const flags = parseFlags(rest)
const runs = intFlag(flags, 'runs', quick ? 1 : 3)
const orders = intFlag(flags, 'orders', quick ? 500 : 5000)
const lines = intFlag(flags, 'lines', 3)
const rate = intFlag(flags, 'rate', quick ? 50 : 200)
const measureMs = intFlag(flags, 'measure-seconds', quick ? 10 : 30) * 1000
// Roles just started spend their first seconds compiling, joining and opening transactional producers:
// a run without a warm-up measures mostly that.
const warmupMs = intFlag(flags, 'warmup-seconds', quick ? 10 : 20, 0) * 1000
const commitIntervalMs = intFlag(flags, 'commit-interval-ms', 100)
const clients = listFlag(flags, 'clients', availableKafkaClients())
const profileDir = flags.get('profile-dir')
const out = quick
  ? join(tmpdir(), 'oxagry-commerce-quick.json')
  : join(stringFlag(flags, 'out', fileURLToPath(new URL('../../results', import.meta.url))), 'commerce.json')
const stack: CommerceStack = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
}

interface ThroughputResult {
  readonly client: KafkaClientName
  readonly orders: number
  readonly decided: number
  readonly seconds: number
  readonly ordersPerSec: number
  /** CPU the four roles used per order decided, ms (user + system, all their threads). */
  readonly rolesCpuMsPerOrder?: number
  /** CPU the broker used per order decided, ms; present when its pid is known (`--broker-pid`). */
  readonly brokerCpuMsPerOrder?: number
}

interface LatencyResult {
  readonly client: KafkaClientName
  readonly rate: number
  readonly orders: number
  readonly decided: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly hops: readonly HopStats[]
}

async function throughput(client: KafkaClientName): Promise<ThroughputResult> {
  const run = new CommerceRun(stack, profileDir)
  try {
    await run.start({ commitIntervalMs, kafkaClient: client })
    // The whole backlog made up front on a synthetic clock, so writing it is all the market does.
    const { sink, market } = await run.market({ ordersPerSecond: 1000, lines })
    const t0 = Date.now()
    await sink.send(market.opening(t0))
    const backlog = []
    for (let at = t0; backlog.length < orders; at += 100) backlog.push(...checkouts(market.tick(at)))
    const broker = flags.has('broker-pid') ? intFlag(flags, 'broker-pid', 0) : stackBrokerPid()
    const rolesBefore = cpuMsOf(run.rolePids)
    const brokerBefore = broker === undefined ? undefined : processCpuMs(broker)
    const start = Date.now()
    for (let i = 0; i < orders; i += 1000) await sink.send(backlog.slice(i, Math.min(i + 1000, orders)))
    const decided = await run.waitDecided(orders, 600_000)
    const rolesAfter = cpuMsOf(run.rolePids)
    const brokerAfter = broker === undefined ? undefined : processCpuMs(broker)
    const last = Math.max(...run.arrivals.decidedVisible.values())
    const seconds = (last - start) / 1000
    await sink.close()
    const perOrder = (before?: number, after?: number): number | undefined =>
      before === undefined || after === undefined || decided === 0
        ? undefined
        : Math.round(((after - before) / decided) * 100) / 100
    return {
      client,
      orders,
      decided,
      seconds,
      ordersPerSec: Math.round(decided / seconds),
      rolesCpuMsPerOrder: perOrder(rolesBefore, rolesAfter),
      brokerCpuMsPerOrder: perOrder(brokerBefore, brokerAfter),
    }
  } finally {
    await run.close()
  }
}

async function latency(client: KafkaClientName): Promise<LatencyResult> {
  const run = new CommerceRun(stack, profileDir)
  try {
    await run.start({ commitIntervalMs, kafkaClient: client })
    const { sink, market } = await run.market({ ordersPerSecond: rate, lines })
    await sink.send(market.opening(Date.now()))
    // The catalogue and the stock arrive before the first checkout is timed.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    // One steady stream of checkouts: the warm-up's, then the measured ones, with no pause between
    // (the market would make up a pause with a burst).
    const start = Date.now() + warmupMs
    let placed = 0
    while (Date.now() - start < measureMs) {
      const due = checkouts(market.tick(Date.now()))
      placed += due.length
      await sink.send(due)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await run.waitDecided(placed, 120_000)
    await sink.close()
    // Measured: the orders the broker appended once the warm-up was over.
    const latencies: number[] = []
    const hops = new Map<string, Partial<Record<HopPoint, number>>>()
    let measured = 0
    for (const [orderId, at] of run.arrivals.placed) {
      if (at < start) continue
      measured++
      const visible = run.arrivals.decidedVisible.get(orderId)
      if (visible !== undefined) latencies.push(visible - at)
      const points = run.arrivals.hops.get(orderId)
      if (points !== undefined) hops.set(orderId, points)
    }
    return {
      client,
      rate,
      orders: measured,
      decided: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      hops: hopTimes(hops),
    }
  } finally {
    await run.close()
  }
}

const throughputs: ThroughputResult[] = []
const latencies: LatencyResult[] = []
for (let i = 1; i <= runs; i++) {
  for (const client of clients) {
    process.stderr.write(`run ${i}/${runs}, ${client}: throughput (${orders} orders of ${lines} lines)\n`)
    throughputs.push(await throughput(client))
    process.stderr.write(`  ${JSON.stringify(throughputs.at(-1))}\n`)
    process.stderr.write(
      `run ${i}/${runs}, ${client}: latency at ${rate} orders/s, ${warmupMs / 1000} s of warm-up then ${measureMs / 1000} s measured\n`,
    )
    latencies.push(await latency(client))
    const l = latencies.at(-1)
    process.stderr.write(`  p50 ${l?.p50Ms} ms, p99 ${l?.p99Ms} ms, ${l?.decided}/${l?.orders} decided\n`)
  }
}

/** The median of the figures every run has; undefined when a run lacks it. */
function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined)
  return known.length === 0 || known.length < values.length ? undefined : median(known)
}

const byClient = clients.map((client) => {
  const t = throughputs.filter((r) => r.client === client)
  const l = latencies.filter((r) => r.client === client)
  // The run whose p99 is the median's, for its hops.
  const middle = [...l].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(l.length / 2)]
  return {
    client,
    medianOrdersPerSec: median(t.map((r) => r.ordersPerSec)),
    medianRolesCpuMsPerOrder: medianOf(t.map((r) => r.rolesCpuMsPerOrder)),
    medianBrokerCpuMsPerOrder: medianOf(t.map((r) => r.brokerCpuMsPerOrder)),
    medianP50Ms: median(l.map((r) => r.p50Ms)),
    medianP99Ms: median(l.map((r) => r.p99Ms)),
    hops: middle?.hops ?? [],
  }
})
// Per order: OrderPlaced, 3 reserve commands, 3 stock events (reserved) + 3 levels, 3 per-line
// answers (repartition) and their changelog, an authorise command, Requested and Authorised, 3
// validations, the decision, the status twice at least, 3 confirm commands: counted from the topology.
const summary = {
  machine: { cores: 2 },
  settings: {
    orders,
    lines,
    rate,
    warmupSeconds: warmupMs / 1000,
    measureSeconds: measureMs / 1000,
    commitIntervalMs,
    runs,
  },
  throughput: { runs: throughputs },
  latency: { runs: latencies },
  clients: byClient,
}
await writeJson(out, summary)

console.log(`\ncommerce flow, exactly-once, ${lines} lines per order, medians of ${runs} runs\n`)
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'run' },
      { header: 'orders' },
      { header: 'decided' },
      { header: 'seconds' },
      { header: 'orders/s' },
      { header: 'roles CPU ms/order' },
      { header: 'broker CPU ms/order' },
    ],
    throughputs.map((r, i) => [
      r.client,
      Math.floor(i / clients.length) + 1,
      r.orders,
      r.decided,
      r.seconds,
      r.ordersPerSec,
      r.rolesCpuMsPerOrder ?? '-',
      r.brokerCpuMsPerOrder ?? '-',
    ]),
  ),
)
console.log('')
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'run' },
      { header: 'rate/s' },
      { header: 'orders' },
      { header: 'decided' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
    ],
    latencies.map((r, i) => [
      r.client,
      Math.floor(i / clients.length) + 1,
      r.rate,
      r.orders,
      r.decided,
      r.p50Ms,
      r.p99Ms,
    ]),
  ),
)
console.log('\nmedians\n')
console.log(
  formatTable(
    [
      { header: 'client' },
      { header: 'orders/s' },
      { header: 'roles CPU ms/order' },
      { header: 'broker CPU ms/order' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
    ],
    byClient.map((c) => [
      c.client,
      c.medianOrdersPerSec,
      c.medianRolesCpuMsPerOrder ?? '-',
      c.medianBrokerCpuMsPerOrder ?? '-',
      c.medianP50Ms,
      c.medianP99Ms,
    ]),
  ),
)
for (const c of byClient) {
  console.log(`\ntime per hop (broker append times), ${c.client}, median run:\n`)
  console.log(
    formatTable(
      [{ header: 'hop' }, { header: 'who' }, { header: 'p50 ms' }, { header: 'p99 ms' }],
      c.hops.map((h) => [h.hop, HOPS.find((x) => x.name === h.hop)?.who, h.p50Ms, h.p99Ms]),
    ),
  )
}
console.log(`\nwritten to ${out}`)
