import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { kafkaConnectionFromEnv } from '@oxagry/kafka'
import { PLATFORM_PARTS, readConfig } from '@oxagry/main'
import { readTrackingEnv } from '@oxagry/tracking'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { APP_DIR, controller, RUN_AS } from './workload.ts'
import { configMapData, containerEnv, KAFKA_CA_DIR } from './env.ts'
import { readDockerfile } from './dockerfile.ts'

const ROOT = new URL('../../../', import.meta.url).pathname
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const workload = (name: string): Workload => WORKLOADS.find((w) => w.name === name) as Workload

const STORE_URLS = {
  POSTGRES_URL: 'postgres://oxagry@postgres:5432/oxagry',
  MONGODB_URL: 'mongodb://mongo:27017',
  CLICKHOUSE_URL: 'http://clickhouse:8123',
  CORS_ORIGINS: 'https://map.example',
}

/** The environment a pod sees: its ConfigMap, and the references resolved to stand-in values. */
function podEnv(w: Workload, caFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...configMapData(w), KAFKA_SSL_CA_FILE: caFile }
  for (const e of containerEnv(w) as { name: string; value?: string; valueFrom?: unknown }[])
    env[e.name] = e.value ?? `from-${e.name.toLowerCase()}`
  return env
}

test("each workload's environment is the Kafka client's: SCRAM-SHA-512 as its KafkaUser, TLS with the cluster CA", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-ca-'))
  const ca = join(dir, 'ca.crt')
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n')
  for (const w of WORKLOADS) {
    t.is(configMapData(w).KAFKA_SSL_CA_FILE, `${KAFKA_CA_DIR}/ca.crt`)
    const connection = kafkaConnectionFromEnv(podEnv(w, ca))
    t.is(connection.sasl?.mechanism, 'scram-sha-512', w.name)
    t.is(connection.sasl?.username, w.name, 'the KafkaUser and its Secret are named after the workload')
    t.true(connection.tls?.ca?.includes('stand-in'), w.name)
    const password = (containerEnv(w) as { name: string; valueFrom?: { secretKeyRef?: unknown } }[]).find(
      (e) => e.name === 'KAFKA_SASL_PASSWORD',
    )
    t.deepEqual(password?.valueFrom?.secretKeyRef, { name: w.name, key: 'password' })
  }
})

test('the services read their environment as the workloads set it, on the ports the probes use', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-ca-'))
  const ca = join(dir, 'ca.crt')
  writeFileSync(ca, 'pem')
  const tracking = readTrackingEnv({
    ...podEnv(workload('tracking'), ca),
    SCHEMA_REGISTRY_URL: 'http://registry:8080',
  })
  t.is(tracking.httpPort, workload('tracking').port)
  t.is(tracking.processingGuarantee, 'exactly_once')
  // The stores on the volume, and a warm copy of each task on another of the replicas.
  t.is(tracking.stateDir, workload('tracking').state?.mountPath ?? 'no state')
  t.is(tracking.numStandbyReplicas, 1)
  // Every other workload is one part of tools/main, named after it, with its stores and no topics to make.
  const stores = {
    SCHEMA_REGISTRY_URL: 'http://registry:8080',
    AUTH_JWKS_URL: 'https://id.example/jwks',
    AUTH_ISSUER: 'https://id.example',
    AUTH_AUDIENCE: 'oxagry',
  }
  const parts = WORKLOADS.filter((w) => w.name !== 'tracking')
  t.deepEqual(parts.map((w) => w.name).sort(), PLATFORM_PARTS.filter((p) => p !== 'tracking').sort())
  for (const w of parts) {
    const env: NodeJS.ProcessEnv = { ...podEnv(w, ca), ...stores }
    // The stores' Secrets and the external ConfigMap hold real URLs: the stand-ins are made to look like them.
    for (const [name, url] of Object.entries(STORE_URLS)) if (name in env) env[name] = url
    const config = readConfig(env)
    t.deepEqual(config.parts, [w.name], w.name)
    t.deepEqual(w.applications, [w.name], 'its KafkaUser is its part’s')
    t.is(config.port, w.port)
    t.is(config.host, '0.0.0.0')
    t.false(config.simulator.enabled)
    t.false(config.createTopics, 'the topic operator makes the topics')
    t.is(config.api.auth.mode, 'jwks', `${w.name}: /metrics checks its token`)
    t.is(config.processingGuarantee, 'exactly_once')
    // The state directory is writable: the volume, or the pod's scratch space (the root is read-only).
    t.true(config.stateDir === w.state?.mountPath || config.stateDir.startsWith('/tmp/'), w.name)
    if (w.kind === 'stream' && w.state !== undefined && w.replicas > 1)
      t.is(config.numStandbyReplicas, 1, `${w.name}: a warm copy on the other replica`)
  }
  // The sinks and the API share the stores: with PGlite or chdb each pod would keep its own part.
  const storesOf = (name: string): string[] =>
    Object.keys(workload(name).env).filter(
      (k) => k.endsWith('_URL') && k !== 'SCHEMA_REGISTRY_URL' && !k.startsWith('AUTH'),
    )
  t.deepEqual(storesOf('api').sort(), ['CLICKHOUSE_URL', 'MONGODB_URL', 'POSTGRES_URL'])
  t.deepEqual(storesOf('sink-read-model'), ['MONGODB_URL'])
  t.deepEqual(storesOf('sink-clickhouse-commerce'), ['CLICKHOUSE_URL'])
  // Stock lives in MongoDB when the API is given MONGODB_URL: its sinks are given the same.
  t.deepEqual(storesOf('sink-stock').sort(), ['MONGODB_URL', 'POSTGRES_URL'])
  t.true(workload('api').replicas > 1)
})

test('the probes are the paths the services serve', (t) => {
  // Every stream application serves the streams library's health server.
  const tracking = read('streams/core/src/http/health-server.ts')
  const fleet = read('apis/http/src/health.ts')
  for (const w of WORKLOADS) {
    const source = w.name === 'tracking' ? tracking : fleet
    for (const path of [w.paths.live, w.paths.ready, w.paths.metrics])
      t.regex(source, new RegExp(`\\.get\\('${path.replaceAll('/', '\\/')}'`), `${w.name} serves ${path}`)
  }
})

test("each workload runs its package's start script from the package's folder", (t) => {
  for (const w of WORKLOADS) {
    const pkg = JSON.parse(read(`${w.packageDir}/package.json`)) as { scripts: Record<string, string> }
    t.is(pkg.scripts[w.script], w.command.join(' '), `${w.packageDir} npm run ${w.script}`)
    t.true(existsSync(join(ROOT, w.packageDir, w.command.at(-1) as string)))
    const spec = (controller(w).spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0]
    t.is(spec?.workingDir, `${APP_DIR}/${w.packageDir}`)
    t.deepEqual(spec?.args, [...w.command])
  }
})

test('the Dockerfile copies files that exist, runs as the workloads do, and not as root', (t) => {
  const facts = readDockerfile()
  t.true(facts.copySources.length >= 3)
  for (const source of facts.copySources) t.true(existsSync(join(ROOT, source)), `COPY ${source}`)
  t.true(facts.stages.length >= 2, 'multi-stage')
  t.is(facts.user, `${RUN_AS}:${RUN_AS}`)
  const api = workload('api')
  t.is(facts.workdir, `${APP_DIR}/${api.packageDir}`)
  t.deepEqual(facts.cmd, [...api.command])
  t.true(existsSync(join(ROOT, 'deploy/Dockerfile.dockerignore')))
})

test("the Dockerfile copies every workspace's manifest before npm ci", (t) => {
  const { workspaces } = JSON.parse(read('package.json')) as { workspaces: string[] }
  const packages = workspaces
    .flatMap((w) =>
      w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w],
    )
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
  t.true(packages.length > 10)
  const copied = new Set(readDockerfile().copySources)
  t.deepEqual(
    packages.filter((dir) => !copied.has(`${dir}/package.json`)),
    [],
    'workspaces whose package.json the Dockerfile does not copy before npm ci',
  )
  t.true(copied.has('package-lock.json'))
})
