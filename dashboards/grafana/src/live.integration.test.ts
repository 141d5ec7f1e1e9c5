import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { platformModules, platformNames, readConfig, startPlatform } from '@oxagry/main'
import { contextProbe, localBearer, stackPlatformEnv } from '@oxagry/main/testing'
import { pgUrlExecutor } from '@oxagry/sink-postgres'
import { prometheusConfig } from '@oxagry/stack'
import { eventually, integrationTest, serviceUrl } from '@oxagry/testkit'
import { KAFKA_METRICS } from '@oxagry/deploy/kafka-metrics'
import { dashboards } from './all.ts'

// The dashboards against a real Prometheus (Debian's) scraping the platform as `npm start` runs it on
// the stack, and the stack's broker through its JMX exporter: every query evaluates, every metric it
// names is in the scrape, and the panels about faults show the faults injected here (records that are no
// Avro, a sink's target locked).
const stack = await integrationTest('kafka', 'schemaRegistry', 'mongodb', 'postgres', 'kafkaMetrics')

interface Panel {
  readonly title: string
  readonly targets?: readonly { readonly expr: string }[]
}

/** Kafka Exporter's metrics: Strimzi runs it beside the cluster; its module cannot be fetched here. */
const NOT_LOCAL = new Set<string>([KAFKA_METRICS.groupLag])

/** Panels about faults, and the series the corrupt records below must put in them. */
const FAULT_PANELS = [
  'Errors/s by stage and code',
  'Dead letters/s and dropped records/s',
  'Dead letters/s by stage and code',
  'Retries/s by code',
] as const

const panels = (): Panel[] => dashboards().flatMap((d) => (d.panels ?? []) as Panel[])

/** A query as Grafana sends it: its variables set to match everything, the intervals to the scrape's. */
function instantQuery(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$__range', '10m')
    .replace(/\$[a-z]+/g, '.*')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

interface QueryAnswer {
  readonly status: 'success' | 'error'
  readonly error?: string
  readonly data?: { readonly result: readonly { metric: Record<string, string>; value: [number, string] }[] }
}

async function query(base: string, expr: string): Promise<QueryAnswer> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`)
  return (await response.json()) as QueryAnswer
}

function startPrometheus(dir: string, port: number, config: string): ChildProcess {
  const file = join(dir, 'prometheus.yml')
  writeFileSync(file, config)
  return spawn(
    'prometheus',
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  )
}

stack(
  'every dashboard query evaluates on a real Prometheus, every metric is scraped, and faults show',
  async (t) => {
    t.timeout(300_000)
    const run = randomUUID().slice(0, 8)
    const prefix = `dash-${run}`
    // The commerce views in a schema of the run's own; a lock held longer than lock_timeout is a fault
    // the views' sink meets as a transient error and retries.
    const schema = `dash_${run}`
    const pg = pgUrlExecutor(serviceUrl('postgres'), { max: 2 })
    await pg.exec(`CREATE SCHEMA ${schema}`)
    t.teardown(async () => {
      await pg.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await pg.close()
    })
    const options = encodeURIComponent(`-c search_path=${schema} -c lock_timeout=500`)
    const config = readConfig(
      stackPlatformEnv(prefix, {
        POSTGRES_URL: `${serviceUrl('postgres')}?options=${options}`,
        SIM_MACHINES: '20',
        SIM_RATE: '40',
        SIM_ORDER_RATE: '3',
        SIM_BOOKINGS_PER_MINUTE: '30',
        SINK_BATCH_WAIT_MS: '100',
      }),
    )
    const probe = contextProbe()
    const platform = await startPlatform(config, pino({ level: 'silent' }), [
      ...platformModules(config),
      probe.module,
    ])
    const dir = mkdtempSync(join(tmpdir(), 'oxagry-prometheus-'))
    const port = await freePort()
    const tokenFile = join(dir, 'ops.token')
    writeFileSync(tokenFile, (await localBearer(config, ['ops'])).authorization.replace(/^Bearer /, ''))
    const prometheus = startPrometheus(
      dir,
      port,
      prometheusConfig({
        scrapeIntervalS: 2,
        targets: [
          {
            job: 'platform',
            url: platform.urls.metrics,
            labels: { pod: 'platform-0' },
            bearerTokenFile: tokenFile,
          },
          // The JMX exporter reads every MBean of the broker per scrape: seconds on a loaded machine.
          { job: 'kafka', url: serviceUrl('kafkaMetrics'), labels: { pod: 'kafka-0' }, intervalS: 5 },
        ],
      }),
    )
    t.teardown(async () => {
      prometheus.kill('SIGTERM')
      await platform.close({ timeoutMs: 30_000 })
      rmSync(dir, { recursive: true, force: true })
    })
    const base = `http://127.0.0.1:${port}`
    let targets: unknown
    await eventually(
      async () => {
        const answer = (await (await fetch(`${base}/api/v1/targets`)).json()) as {
          data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }
        }
        targets = answer.data.activeTargets.map((a) => ({
          url: a.scrapeUrl,
          health: a.health,
          error: a.lastError,
        }))
        return answer.data.activeTargets.filter((a) => a.health === 'up').length === 2 ? true : undefined
      },
      { timeoutMs: 60_000, what: 'Prometheus scraping the platform and the broker', state: () => targets },
    )

    // Faults: records that are no Avro on the pings the tracking application reads and on the positions
    // the read model's sink writes, each ending as a dead letter counted by the application and the sink.
    // Several, a second apart: a rate needs the counter to move between two scrapes.
    const context = probe.context()
    const producer = await context.backend.producer({ clientId: `${prefix}-faults` })
    const topics = platformNames(prefix).topics
    const corrupt = (topic: string, i: number) => ({
      topic,
      key: Buffer.from(`m-corrupt-${i}`),
      value: Buffer.from('not avro'),
      timestamp: Date.now(),
      headers: {},
    })
    for (let i = 0; i < 10; i++) {
      await producer.send([corrupt(topics.pings, i), corrupt(topics.positions, i)])
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    await producer.close()
    // A fault at a sink's target: the views' tables locked for 5 s while orders go on.
    const tables = await pg.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'schema_migrations'`,
      [schema],
    )
    t.true(tables.rows.length > 0, 'the views made their tables')
    await pg.exec(
      `BEGIN; LOCK TABLE ${tables.rows.map((r) => `${schema}.${r.table_name}`).join(', ')} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT`,
    )

    const all = panels()
    const exprs = all.flatMap((p) => (p.targets ?? []).map((target) => target.expr))
    t.true(exprs.length > 40, `${exprs.length} queries`)
    for (const expr of exprs) {
      const answer = await query(base, instantQuery(expr))
      t.is(answer.status, 'success', `${expr}: ${answer.error ?? ''}`)
    }

    const named = new Set(exprs.flatMap((e) => e.match(/\b(?:oxagry|kafka)_[a-z_]+/g) ?? []))
    const expected = [...named].filter((m) => !NOT_LOCAL.has(m))
    t.true(expected.length > 30, `${expected.length} metrics`)
    let absent = expected
    await eventually(
      async () => {
        const still: string[] = []
        for (const metric of absent) {
          const answer = await query(base, `count({__name__="${metric}"})`)
          if ((answer.data?.result.length ?? 0) === 0) still.push(metric)
        }
        absent = still
        return absent.length === 0 ? true : undefined
      },
      {
        timeoutMs: 180_000,
        intervalMs: 5000,
        what: 'every metric the dashboards name in the scrape',
        state: () => ({ absent }),
      },
    )
    t.deepEqual(absent, [])

    for (const title of FAULT_PANELS) {
      const panel = all.find((p) => p.title === title)
      t.truthy(panel, title)
      const [first] = panel?.targets ?? []
      const shown = await eventually(
        async () => {
          const answer = await query(base, instantQuery(first?.expr ?? ''))
          return answer.data?.result.some((r) => Number(r.value[1]) > 0) === true ? answer : undefined
        },
        { timeoutMs: 60_000, intervalMs: 2000, what: `the fault in "${title}"` },
      )
      t.true((shown.data?.result.length ?? 0) > 0, title)
    }
  },
)
