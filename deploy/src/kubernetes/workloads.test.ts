import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { kafkaConnectionFromEnv } from '@oxagry/kafka'
import { readConfig } from '@oxagry/main'
import { readTrackingEnv } from '@oxagry/tracking'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { APP_DIR, controller, RUN_AS } from './workload.ts'
import { configMapData, containerEnv, KAFKA_CA_DIR } from './env.ts'
import { readDockerfile } from './dockerfile.ts'

const ROOT = new URL('../../../', import.meta.url).pathname
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const workload = (name: string): Workload => WORKLOADS.find((w) => w.name === name) as Workload

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
  const platform = readConfig({
    ...podEnv(workload('platform'), ca),
    SCHEMA_REGISTRY_URL: 'http://registry:8080',
    MONGODB_URL: 'mongodb://mongo:27017',
    POSTGRES_URL: 'postgres://oxagry@postgres:5432/oxagry',
    CLICKHOUSE_URL: 'http://clickhouse:8123',
    AUTH_JWKS_URL: 'https://id.example/jwks',
    CORS_ORIGINS: 'https://map.example',
  })
  t.is(platform.port, workload('platform').port)
  t.is(platform.host, '0.0.0.0')
  t.false(platform.simulator.enabled)
  t.is(platform.api.auth.mode, 'jwks')
  t.is(platform.stateDir, workload('platform').state?.mountPath ?? 'no state')
  t.is(platform.numStandbyReplicas, 1)
  // Replicas share the commerce views in one PostgreSQL: with PGlite each pod would hold its own part.
  t.true(workload('platform').replicas > 1)
  t.true('POSTGRES_URL' in podEnv(workload('platform'), ca), 'the platform is given POSTGRES_URL')
  t.is(platform.postgresUrl, 'postgres://oxagry@postgres:5432/oxagry')
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
  const platform = workload('platform')
  t.is(facts.workdir, `${APP_DIR}/${platform.packageDir}`)
  t.deepEqual(facts.cmd, [...platform.command])
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
