import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { buildApp, LatestPositions } from '@oxagry/fleet-api'
import { inventoryCounters } from '@oxagry/inventory'
import { WorkerMetrics } from '@oxagry/notifications'
import { ordersCounters } from '@oxagry/orders'
import { GatewayMetrics } from '@oxagry/payments'
import { SinkMetrics } from '@oxagry/sink'
import { StreamsMetrics } from '@oxagry/streams'
import { machinesReportingGauge } from '@oxagry/tracking'
import { Registry } from 'prom-client'
import { parse, stringify } from 'yaml'
import { dashboards } from './all.ts'
import { KAFKA_METRICS } from '@oxagry/deploy/kafka-metrics'
import { DATASOURCE } from './panels.ts'
import { GENERATED_DIR, PACKAGE_DIR, renderDashboards } from './render.ts'

interface Panel {
  type: string
  title: string
  datasource?: { uid?: string }
  targets?: { expr: string }[]
}

const panels = (): Panel[] => dashboards().flatMap((d) => (d.panels ?? []) as Panel[])
const expressions = (): string[] => panels().flatMap((p) => (p.targets ?? []).map((t) => t.expr))

/**
 * The metric names the platform's code registers: streams, sinks, the fleet API and the applications'
 * business metrics, as they run.
 */
async function registeredNames(): Promise<Set<string>> {
  const registry = new Registry()
  new StreamsMetrics(registry, () => [])
  new SinkMetrics(registry)
  ordersCounters(registry)
  inventoryCounters(registry)
  new GatewayMetrics(registry)
  new WorkerMetrics(registry)
  machinesReportingGauge(registry)
  const feed = new LatestPositions()
  const { app } = await buildApp({
    machines: { get: async () => undefined, list: async () => ({ machines: [] }) },
    history: { track: async () => [], trips: async () => [] },
    geofences: { list: async () => [] },
    feed,
    registry,
  })
  await app.close()
  const names = new Set<string>()
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name)
    if (String(m.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`)
  }
  return names
}

test('the committed JSON is what the code generates', async (t) => {
  const files = await renderDashboards()
  t.is(files.size, 5)
  for (const [path, text] of files)
    t.is(
      readFileSync(join(PACKAGE_DIR, path), 'utf8'),
      text,
      `${path} is stale: npm run -w @oxagry/dashboards generate`,
    )
  t.deepEqual(
    readdirSync(join(PACKAGE_DIR, GENERATED_DIR)).filter((f) => !files.has(`${GENERATED_DIR}/${f}`)),
    [],
  )
})

test('every oxagry metric a dashboard queries is one the code registers', async (t) => {
  const registered = await registeredNames()
  const used = new Set(expressions().flatMap((e) => e.match(/\boxagry_[a-z_]+/g) ?? []))
  t.true(used.size >= 20, `${used.size} metrics used`)
  t.deepEqual(
    [...used].filter((m) => !registered.has(m)),
    [],
  )
  // And the check can fail: a name the code does not register is caught.
  t.false(registered.has('oxagry_streams_records_total'))
})

test('every Kafka metric a dashboard queries is one of the documented exporters', (t) => {
  const known = new Set<string>(Object.values(KAFKA_METRICS))
  const used = new Set(expressions().flatMap((e) => e.match(/\bkafka_[a-z_]+/g) ?? []))
  t.true(used.size > 5)
  t.deepEqual(
    [...used].filter((m) => !known.has(m)),
    [],
  )
})

test('every query is valid PromQL (promtool)', (t) => {
  const exprs = expressions().map((e) =>
    e
      .replaceAll('$__rate_interval', '5m')
      .replaceAll('$__range', '1h')
      .replace(/\$[a-z]+/g, '.*'),
  )
  t.true(exprs.length > 40)
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-dashboards-'))
  const file = join(dir, 'queries.yaml')
  writeFileSync(
    file,
    stringify({
      groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:query${i}`, expr })) }],
    }),
  )
  const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })
  if (run.error !== undefined)
    throw new Error(`promtool cannot run (${run.error.message}): run tools/stack/install-system.sh`)
  t.is(run.status, 0, `${run.stdout}${run.stderr}`)
})

test('every panel queries the chosen Prometheus; uids are unique; provisioning reads the generated folder', (t) => {
  for (const p of panels().filter((p) => p.type !== 'row')) {
    t.is(p.datasource?.uid, DATASOURCE.uid, p.title)
    t.true((p.targets ?? []).length > 0, p.title)
  }
  const uids = dashboards().map((d) => d.uid)
  t.is(new Set(uids).size, uids.length)
  const provider = parse(readFileSync(join(PACKAGE_DIR, 'provisioning/dashboards/oxagry.yaml'), 'utf8')) as {
    providers: { type: string; options: { path: string } }[]
  }
  t.is(provider.providers[0]?.type, 'file')
  const datasources = parse(
    readFileSync(join(PACKAGE_DIR, 'provisioning/datasources/prometheus.yaml'), 'utf8'),
  ) as {
    datasources: { type: string }[]
  }
  t.is(datasources.datasources[0]?.type, 'prometheus')
})
