import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { parse } from 'yaml'
import { REPO_DIR } from '../config.ts'
import { prometheusConfig } from './config.ts'

interface Job {
  job_name: string
  metrics_path?: string
  scrape_interval?: string
  authorization?: { credentials_file: string }
  static_configs?: { targets: string[]; labels: Record<string, string> }[]
  file_sd_configs?: { files: string[] }[]
}

function sample(dir: string): string {
  writeFileSync(join(dir, 'ops.token'), 'token')
  mkdirSync(join(dir, 'targets'), { recursive: true })
  return prometheusConfig({
    scrapeIntervalS: 5,
    targets: [
      { job: 'kafka', url: 'http://127.0.0.1:9404/metrics', labels: { pod: 'kafka-0' }, intervalS: 10 },
      { job: 'platform', url: 'http://127.0.0.1:8080/metrics', bearerTokenFile: join(dir, 'ops.token') },
    ],
    folders: [{ job: 'registered', dir: join(dir, 'targets'), bearerTokenFile: join(dir, 'ops.token') }],
    ruleFiles: [join(REPO_DIR, 'deploy', 'alerts', 'rules.yaml')],
  })
}

test('the configuration is one Prometheus accepts (promtool check config)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-prometheus-config-'))
  const file = join(dir, 'prometheus.yml')
  writeFileSync(file, sample(dir))
  const run = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' })
  if (run.error !== undefined)
    throw new Error(`promtool cannot run (${run.error.message}): run tools/stack/install-system.sh`)
  t.is(run.status, 0, `${run.stdout}${run.stderr}`)
  // And the check can fail: a job without a name is refused.
  writeFileSync(file, sample(dir).replace('job_name: kafka', 'job_name: ""'))
  t.not(spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' }).status, 0)
})

test('each target is a job at its path, with its labels, its token and its own interval', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-prometheus-config-'))
  const config = parse(sample(dir)) as { global: { scrape_interval: string }; scrape_configs: Job[] }
  t.is(config.global.scrape_interval, '5s')
  const [kafka, platform, registered] = config.scrape_configs
  t.like(kafka, { job_name: 'kafka', metrics_path: '/metrics', scrape_interval: '10s' })
  t.deepEqual(kafka?.static_configs, [{ targets: ['127.0.0.1:9404'], labels: { pod: 'kafka-0' } }])
  t.is(kafka?.authorization, undefined)
  t.is(platform?.authorization?.credentials_file, join(dir, 'ops.token'))
  t.deepEqual(registered?.file_sd_configs?.[0]?.files, [`${join(dir, 'targets')}/*.json`])
})
