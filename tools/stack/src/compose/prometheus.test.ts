import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { WORKLOADS } from '@oxagry/deploy'
import { parse } from 'yaml'
import { REPO_DIR } from '../config.ts'
import { bindMount, commandWords, containerPorts, namedVolume, readCompose } from './compose-file.ts'
import { composeServiceOf } from './workload-services.ts'

interface ScrapeConfig {
  readonly job_name: string
  readonly metrics_path?: string
  readonly authorization?: { readonly type: string; readonly credentials_file: string }
  readonly static_configs: readonly {
    readonly targets: readonly string[]
    readonly labels?: Record<string, string>
  }[]
}

const compose = readCompose()
const prometheus = compose.services.prometheus ?? {}
const flag = (name: string): string | undefined =>
  prometheus.command?.find((c) => c.startsWith(`--${name}=`))?.slice(name.length + 3)
const mounts = (prometheus.volumes ?? []).flatMap((v) => bindMount(v) ?? [])
/** The repository file mounted at a path inside the Prometheus container. */
const mounted = (target: string): string | undefined => mounts.find((m) => m.target === target)?.source

const configFile = mounted(flag('config.file') ?? '/etc/prometheus/prometheus.yml')
const config = parse(readFileSync(configFile ?? '/nonexistent', 'utf8')) as {
  rule_files: readonly string[]
  scrape_configs: readonly ScrapeConfig[]
}

test("Prometheus reads its configuration from the repository's file", (t) => {
  t.is(configFile, join(REPO_DIR, 'tools', 'stack', 'compose', 'prometheus.yml'))
})

test('Prometheus evaluates the alert rules the repository has', (t) => {
  const rules = config.rule_files.map((f) => mounted(f))
  for (const [i, file] of rules.entries())
    t.true(
      file !== undefined && existsSync(file),
      `${config.rule_files[i]} is mounted from a file that exists`,
    )
  t.true(
    rules.includes(join(REPO_DIR, 'deploy', 'alerts', 'rules.yaml')),
    "deploy/alerts' rules are among them",
  )
})

test('every scrape target is a compose service and a port it listens on, at the path its workload serves', (t) => {
  const targets = config.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((s) => s.targets.map((target) => ({ job, target }))),
  )
  t.true(targets.length > 0)
  for (const { job, target } of targets) {
    const [host = '', port = ''] = target.split(':')
    const service = compose.services[host]
    t.truthy(service, `${job.job_name} scrapes ${target}: ${host} is a service`)
    t.true(containerPorts(service ?? {}).includes(Number(port)), `${host} listens on ${port}`)
    const workloads = WORKLOADS.filter((w) => composeServiceOf(w) === host)
    if (workloads.length === 0) {
      t.fail(`${host} stands for no workload of deploy/src/workloads.ts`)
      continue
    }
    for (const workload of workloads) {
      t.is(job.metrics_path ?? '/metrics', workload.paths.metrics, workload.name)
      t.is(Number(port), workload.port, workload.name)
    }
  }
  // Every long-running service of the image is scraped.
  for (const w of WORKLOADS)
    t.true(
      targets.some(({ target }) => target.startsWith(`${composeServiceOf(w)}:`)),
      `${w.name}'s /metrics is scraped (${composeServiceOf(w)})`,
    )
})

test('a workload whose /metrics asks for a token is scraped with the token minted for it', (t) => {
  for (const w of WORKLOADS) {
    const job = config.scrape_configs.find((j) =>
      j.static_configs.some((s) => s.targets.includes(`${composeServiceOf(w)}:${w.port}`)),
    )
    if (w.metricsToken === undefined) {
      t.is(job?.authorization, undefined, `${w.name} serves /metrics without a token`)
      continue
    }
    const file = job?.authorization?.credentials_file ?? ''
    t.is(job?.authorization?.type, 'Bearer')
    // The token file lies on a volume Prometheus mounts, and the minting service writes it there.
    const volume = (prometheus.volumes ?? [])
      .flatMap((v) => namedVolume(v) ?? [])
      .find((v) => file.startsWith(`${v.target}/`))
    t.truthy(volume, `${file} is on a volume of Prometheus`)
    const minter = Object.values(compose.services).find(
      (s) =>
        (s.volumes ?? []).some(
          (v) => namedVolume(v)?.name === volume?.name && file.startsWith(`${namedVolume(v)?.target}/`),
        ) && (s.command ?? []).some((c) => c.includes(`> ${file}`)),
    )
    t.truthy(minter, `a service writes ${file}`)
    t.true(commandWords(minter ?? {}).includes('ops'))
  }
})

test('each target carries the pod label the alert rules and dashboards group by', (t) => {
  for (const job of config.scrape_configs)
    for (const s of job.static_configs) t.truthy(s.labels?.pod, `${job.job_name} names its pod`)
})
