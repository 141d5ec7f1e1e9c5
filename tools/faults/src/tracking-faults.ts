import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { createClickHouseClient, FLEET_TABLES } from '@oxagry/clickhouse'
import { KafkaJsBackend } from '@oxagry/kafka'
import { ACCEPTED_KINDS } from '@oxagry/simulator'
import { prefixedTopics, readOutputs } from '@oxagry/tracking/testing'
import type { Logger } from 'pino'
import { account, only, tally, type Delivery } from './accounting.ts'
import { switchableClickHouse, type ClickHouseSwitch } from './clickhouse-fault.ts'
import { healthLies, HealthWatch, summarize, type PartHealth } from './health-watch.ts'
import type { FaultPlan } from './options.ts'
import { PIPELINE_PARTS, startPipeline, type Pipeline } from './pipeline.ts'
import type { PrivateStack, Stoppable } from './private-stack.ts'
import type { FaultResult } from './result.ts'
import { acceptedOf, startFleetTraffic, type FleetTraffic } from './traffic.ts'
import { sleep, waitFor } from './wait.ts'

/** A fault on the tracking pipeline: a service of the stack down, or ClickHouse's client refused. */
interface TrackingFault {
  readonly name: string
  readonly target: Stoppable | 'clickhouse'
  /** What it stops, for the report. */
  readonly what: string
  /** The parts that cannot work while it lasts, and so must say they are not ready. */
  readonly mustNotBeReady: readonly string[]
}

const ALL_PARTS = Object.values(PIPELINE_PARTS)

export const TRACKING_FAULTS: readonly TrackingFault[] = [
  {
    name: 'broker stopped and restarted mid-stream',
    target: 'kafka',
    what: 'the Kafka broker (KRaft, one node) stopped with SIGTERM',
    mustNotBeReady: ALL_PARTS,
  },
  {
    name: 'schema registry down',
    target: 'registry',
    what: 'Apicurio Registry stopped',
    // Every serde holds the schemas it resolved at start: nothing the pipeline does needs the registry.
    mustNotBeReady: [],
  },
  {
    name: 'PostgreSQL down under sink load',
    target: 'postgres',
    what: 'PostgreSQL stopped (fast shutdown) while the read-model sink writes to it',
    mustNotBeReady: [PIPELINE_PARTS.postgres],
  },
  {
    name: 'MongoDB-wire (FerretDB) down under sink load',
    target: 'mongodb',
    what: 'FerretDB stopped while the read-model sink writes to it',
    mustNotBeReady: [PIPELINE_PARTS.mongodb],
  },
  {
    name: 'ClickHouse down under sink load',
    target: 'clickhouse',
    what: "the ClickHouse sink's client refusing every call (ECONNREFUSED), chdb being in-process",
    mustNotBeReady: [PIPELINE_PARTS.clickhouse],
  },
]

const WHERE = {
  accepted: 'accepted-pings topic (exactly-once)',
  clickhouseRaw: 'ClickHouse machine_pings, rows',
  clickhouseFinal: 'ClickHouse machine_pings FINAL',
} as const

async function clickhouseCounts(url: string, final: boolean): Promise<Map<string, number>> {
  const client = createClickHouseClient(url)
  try {
    const rows = await (
      await client.query({
        query: `SELECT ping_id, count() AS n FROM ${FLEET_TABLES.pings} ${final ? 'FINAL' : ''} GROUP BY ping_id`,
        format: 'JSONEachRow',
      })
    ).json<{ ping_id: string; n: number | string }>()
    return new Map(rows.map((r) => [r.ping_id, Number(r.n)]))
  } finally {
    await client.close()
  }
}

/**
 * The tracking pipeline on the private stack under live traffic, through each fault of
 * {@link TRACKING_FAULTS} in turn (each with calm traffic before and after it), then every accepted
 * ping accounted for per fault: on the exactly-once accepted topic once, in ClickHouse at least once
 * and once after its ReplacingMergeTree's FINAL, and each machine's newest position in both read models.
 */
export async function runTrackingFaults(
  stack: PrivateStack,
  plan: FaultPlan,
  options: { stateDir: string; logger: Logger; report: (line: string) => void },
): Promise<FaultResult[]> {
  const { report, logger } = options
  const prefix = `faults-${randomUUID().slice(0, 8)}`
  const topics = prefixedTopics(prefix)
  const backend = new KafkaJsBackend({
    brokers: [...stack.urls.brokers],
    clientId: prefix,
    logger: logger.child({ part: 'kafkajs' }),
  })
  const registry = new ConfluentSchemaRegistry({ url: stack.urls.registryUrl })
  const clickhouseUrl = `chdb:${join(options.stateDir, 'clickhouse')}`
  const clickhouse: ClickHouseSwitch = switchableClickHouse(createClickHouseClient(clickhouseUrl))
  const admin = await backend.admin()
  await admin.createTopics(
    Object.entries(topics).map(([k, name]) => ({ name, partitions: k === 'geofences' ? 1 : 3, config: {} })),
  )
  await admin.close()

  let pipeline: Pipeline | undefined
  let traffic: FleetTraffic | undefined
  const watch = new HealthWatch(() => pipeline?.health() ?? {})
  const windows = new Map<string, { injectedAt: number; restoredAt: number; note: string }>()
  try {
    const startIt = (): Promise<Pipeline> =>
      startPipeline({
        backend,
        registry,
        topics,
        prefix,
        stateDir: options.stateDir,
        clickhouse,
        mongodbUrl: stack.urls.mongodbUrl,
        postgresUrl: stack.urls.postgresUrl,
        logger,
      })
    pipeline = await startIt()
    const current = (): Pipeline => {
      if (pipeline === undefined) throw new Error('the pipeline is not running')
      return pipeline
    }
    traffic = await startFleetTraffic({
      backend,
      registry,
      topics,
      machines: plan.machines,
      pingEveryS: plan.pingEveryS,
      seed: 7,
    })
    watch.start()
    const allReady = (): true | undefined =>
      Object.values(current().health()).every((p) => p.ready) ? true : undefined
    // Ready, or a part failed for good: what a readiness and a liveness probe tell apart.
    const readyOrFailed = (): 'ready' | 'failed' | undefined =>
      allReady() === true
        ? 'ready'
        : Object.values(current().health()).some((p) => p.live === false)
          ? 'failed'
          : undefined
    const restarts = new Map<string, string>()
    await waitFor('the pipeline ready', allReady, { timeoutMs: 60_000 })
    report(
      `tracking pipeline ready (${prefix}); ${plan.machines} machines pinging every ${plan.pingEveryS} s`,
    )

    for (const fault of TRACKING_FAULTS) {
      traffic.phase(fault.name)
      await sleep(plan.calmMs)
      const injectedAt = Date.now()
      if (fault.target === 'clickhouse') clickhouse.down()
      else await stack.stop(fault.target)
      report(`${fault.name}: injected`)
      await sleep(Math.max(0, plan.outageMs - (Date.now() - injectedAt)))
      let note = ''
      if (fault.target === 'clickhouse') {
        clickhouse.up()
        note = `${clickhouse.refused()} ClickHouse calls refused so far in the run`
      } else note = `${fault.target} healthy again ${await stack.start(fault.target)} ms after its start`
      const restoredAt = Date.now()
      windows.set(fault.name, { injectedAt, restoredAt, note })
      report(`${fault.name}: restored after ${restoredAt - injectedAt} ms (${note})`)
      const after = await waitFor(`every part ready after ${fault.name}`, readyOrFailed, {
        timeoutMs: 120_000,
      }).catch(() => undefined)
      if (after !== 'ready') {
        // A part that failed for good is restarted, as a liveness probe would: the next fault meets a
        // working pipeline, and this one is reported as not back on its own.
        const why = notReady(current().health())
        report(
          `${fault.name}: ${after === 'failed' ? 'failed' : 'still not ready'}: ${why}; restarting the pipeline`,
        )
        restarts.set(fault.name, why)
        await current().close()
        pipeline = undefined
        pipeline = await startIt()
        await waitFor(`the restarted pipeline ready after ${fault.name}`, allReady, { timeoutMs: 120_000 })
      }
      await sleep(plan.calmMs)
    }
    traffic.phase('after the faults')
    await traffic.stop()
    const accepted = acceptedOf(traffic.emitted)
    report(`traffic stopped: ${traffic.emitted.length} pings emitted, ${accepted.length} of them valid`)

    // Settled once every accepted ping is in ClickHouse and both read models show each machine's newest.
    const expectedNewest = newestAccepted(traffic)
    const readModelGaps = async (): Promise<Record<string, string[]>> => {
      const gaps: Record<string, string[]> = { mongodb: [], postgres: [] }
      for (const [name, model] of Object.entries(current().readModels))
        for (const [machineId, pingId] of expectedNewest)
          if ((await model.get(machineId))?.lastPingId !== pingId) gaps[name]?.push(machineId)
      return gaps
    }
    const ids = new Set(accepted.map((a) => a.pingId))
    const settled = await waitFor(
      'every accepted ping in ClickHouse and every newest position in the read models',
      async () => {
        const raw = await clickhouseCounts(clickhouseUrl, false)
        const missing = [...ids].filter((id) => !raw.has(id)).length
        const gaps = await readModelGaps()
        return missing === 0 && Object.values(gaps).every((g) => g.length === 0) ? true : undefined
      },
      { timeoutMs: plan.settleMs, intervalMs: 2_000 },
    ).catch((error: unknown) => error as Error)
    if (settled !== true) report(`not settled: ${settled.message}`)
    // Whether a store behind is a sink that did not get the records or one that did not write them.
    for (const [name, c] of Object.entries(await current().sinkCounts()))
      report(
        `${name}: ${c.consumed} records consumed, ${c.written} rows written, ${c.skipped} skipped, ${c.deadLettered} dead-lettered since the pipeline (re)started`,
      )

    const outputs = await readOutputs(backend, registry, topics)
    const found = {
      [WHERE.accepted]: tally(outputs.accepted.map((p) => p.pingId)),
      [WHERE.clickhouseRaw]: await clickhouseCounts(clickhouseUrl, false),
      [WHERE.clickhouseFinal]: await clickhouseCounts(clickhouseUrl, true),
    }
    const gaps = await readModelGaps()
    watch.stop()
    return TRACKING_FAULTS.map((fault): FaultResult => {
      const window = windows.get(fault.name)
      const mine = new Set(accepted.filter((a) => a.phase === fault.name).map((a) => a.pingId))
      const deliveries: Record<string, Delivery> = Object.fromEntries(
        Object.entries(found).map(([where, counts]) => [where, account(mine, only(counts, mine))]),
      )
      const violations: string[] = []
      const restart = restarts.get(fault.name)
      if (restart !== undefined)
        violations.push(`not ready again on its own (${restart}); the suite restarted the pipeline`)
      const gapOf =
        fault.target === 'mongodb' ? gaps.mongodb : fault.target === 'postgres' ? gaps.postgres : undefined
      if (gapOf !== undefined && gapOf.length > 0)
        violations.push(`${gapOf.length} machines not at their newest accepted ping in the read model`)
      if (window === undefined)
        return {
          name: fault.name,
          injected: fault.what,
          deliveries,
          duplicatesAllowed: [WHERE.clickhouseRaw],
          statesDuring: {},
          lies: [],
          violations: [...violations, 'the fault was never injected'],
          notes: [],
        }
      const summary = summarize(watch.samples, { from: window.injectedAt, restoredAt: window.restoredAt })
      return {
        name: fault.name,
        injected: `${fault.what} for ${((window.restoredAt - window.injectedAt) / 1000).toFixed(1)} s`,
        injectedAt: window.injectedAt,
        restoredAt: window.restoredAt,
        deliveries,
        duplicatesAllowed: [WHERE.clickhouseRaw],
        ...(summary.readyAfterMs === undefined ? {} : { readyAfterMs: summary.readyAfterMs }),
        statesDuring: summary.statesDuring,
        lies: healthLies(summary, fault.mustNotBeReady),
        violations,
        notes: [
          window.note,
          ...(Object.keys(summary.notReadyAfterMs).length === 0
            ? []
            : [
                `not ready after the injection: ${Object.entries(summary.notReadyAfterMs)
                  .map(([part, ms]) => `${part} ${(ms / 1000).toFixed(1)} s`)
                  .join(', ')}`,
                `ready again after the service was back: ${Object.entries(summary.readyAgainAfterMs)
                  .map(([part, ms]) => `${part} ${(ms / 1000).toFixed(1)} s`)
                  .join(', ')}`,
              ]),
          `the records are the valid pings emitted from ${plan.calmMs / 1000} s before the fault until the next fault's calm began`,
          ...(fault.mustNotBeReady.length === 0
            ? ['no part needs this service while it runs (serdes keep the schemas they resolved)']
            : [`must say not ready: ${fault.mustNotBeReady.join(', ')}`]),
        ],
      }
    })
  } finally {
    watch.stop()
    await traffic?.stop().catch(() => {})
    await pipeline?.close().catch(() => {})
    await clickhouse.client.close().catch(() => {})
    await backend.close()
  }
}

function notReady(parts: Record<string, PartHealth>): string {
  return Object.entries(parts)
    .filter(([, p]) => !p.ready)
    .map(([name, p]) => `${name} ${p.state}${p.error === undefined ? '' : ` (${p.error.slice(0, 160)})`}`)
    .join(', ')
}

/** Each machine's newest accepted ping, as the tracking application orders them (event time, then sequence). */
function newestAccepted(traffic: FleetTraffic): Map<string, string> {
  const newest = new Map<string, { eventTime: number; sequence: number; pingId: string }>()
  for (const { ping: e } of traffic.emitted) {
    if (!ACCEPTED_KINDS.includes(e.kind)) continue
    const held = newest.get(e.ping.machineId)
    if (
      held === undefined ||
      e.ping.eventTime > held.eventTime ||
      (e.ping.eventTime === held.eventTime && e.ping.sequence > held.sequence)
    )
      newest.set(e.ping.machineId, e.ping)
  }
  return new Map([...newest].map(([m, p]) => [m, p.pingId]))
}
