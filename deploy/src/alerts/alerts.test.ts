import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { parse } from 'yaml'
import { PACKAGE_DIR } from '../render.ts'
import { KAFKA_METRICS } from '../cluster/kafka-metrics.ts'
import { ALERT_GROUPS } from './groups.ts'
import { promtool } from './promtool.ts'

const ALERTS_DIR = join(PACKAGE_DIR, 'alerts')
const alerts = ALERT_GROUPS.flatMap((g) => g.rules.map((r) => r.alert))

interface UnitTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[]
}

test('promtool accepts the rule file', (t) => {
  const run = promtool(['check', 'rules', 'rules.yaml'], ALERTS_DIR)
  t.true(run.ok, run.output)
  t.true(run.output.includes(`SUCCESS: ${alerts.length} rules found`), run.output)
})

test("every alert's unit tests pass", (t) => {
  const run = promtool(['test', 'rules', 'tests.yaml'], ALERTS_DIR)
  t.true(run.ok, run.output)
})

test('every alert has a unit test that fires it and a section in the operations guide', (t) => {
  const unit = parse(readFileSync(join(ALERTS_DIR, 'tests.yaml'), 'utf8')) as UnitTests
  const fired = new Set(
    unit.tests.flatMap((c) =>
      c.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
    ),
  )
  const guide = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8')
  for (const alert of alerts) {
    t.true(fired.has(alert), `${alert} has no unit test that fires it`)
    t.true(guide.includes(`### ${alert}\n`), `${alert} has no section in deploy/README.md`)
  }
})

test('the unit tests fail when an alert stops firing as they expect', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-alerts-'))
  copyFileSync(join(ALERTS_DIR, 'tests.yaml'), join(dir, 'tests.yaml'))
  const rules = readFileSync(join(ALERTS_DIR, 'rules.yaml'), 'utf8')
  const broken = rules.replace(
    'min by (sink, target) (oxagry_sink_up) == 0',
    'min by (sink, target) (oxagry_sink_up) == 2',
  )
  t.not(broken, rules)
  writeFileSync(join(dir, 'rules.yaml'), broken)
  const run = promtool(['test', 'rules', 'tests.yaml'], dir)
  t.false(run.ok)
  t.true(run.output.includes('OxagrySinkFailing'), run.output)
})

test("the alerts query Kafka's metrics by the names the cluster exports", (t) => {
  const known = new Set<string>(Object.values(KAFKA_METRICS))
  const used = ALERT_GROUPS.flatMap((g) => g.rules.flatMap((r) => r.expr.match(/\bkafka_[a-z_]+/g) ?? []))
  t.true(used.length >= 2)
  t.deepEqual(
    used.filter((m) => !known.has(m)),
    [],
  )
})
