import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { readDockerfile, WORKLOADS } from '@oxagry/deploy'
import { PLATFORM_PARTS, readConfig } from '@oxagry/main'
import { readTrackingEnv } from '@oxagry/tracking'
import { REPO_DIR } from '../config.ts'
import { commandWords, imageServices, readCompose, type ComposeService } from './compose-file.ts'
import { composeServiceOf } from './workload-services.ts'

const compose = readCompose()
const image = imageServices(compose)
const dockerfile = readDockerfile()
const APP = '/app/'
const ignored = readFileSync(join(REPO_DIR, 'deploy', 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))

const packageDir = (service: ComposeService): string => (service.working_dir ?? '').slice(APP.length)
const scripts = (dir: string): Record<string, string> =>
  (
    JSON.parse(readFileSync(join(REPO_DIR, dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>
    }
  ).scripts ?? {}

test('the platform, tracking and their helpers run the image deploy/Dockerfile builds', (t) => {
  t.deepEqual(image.map(([name]) => name).sort(), ['metrics-token', 'platform', 'tracking', 'volumes-init'])
  for (const [name, service] of image) {
    t.is(service.build?.context, '.', `${name} builds from the repository root`)
    t.is(service.image, 'oxagry:local', `${name} tags one image`)
  }
  t.true(existsSync(join(REPO_DIR, 'deploy', 'Dockerfile')))
})

test("every service's command is a script of a package the image holds, run from that package's folder", (t) => {
  for (const [name, service] of image) {
    const words = commandWords(service)
    if (words[0] === 'chown') continue
    t.true(service.working_dir?.startsWith(APP), `${name} runs under the image's ${APP}`)
    const dir = packageDir(service)
    t.true(existsSync(join(REPO_DIR, dir, 'package.json')), `${name}: ${dir} is a package`)
    t.true(
      dockerfile.copySources.includes(`${dir}/package.json`),
      `${name}: the image installs ${dir}'s dependencies`,
    )
    t.false(
      ignored.some((p) => dir === p || dir.startsWith(`${p}/`)),
      `${name}: ${dir} is not left out of the build context`,
    )
    const script = Object.values(scripts(dir)).find((s) => {
      const expected = s.split(/\s+/)
      return expected.every((w, i) => words[i] === w)
    })
    t.truthy(script, `${name} runs ${words.join(' ')}, which is none of ${dir}'s scripts`)
    const entry = words.find((w) => w.endsWith('.ts'))
    t.true(entry !== undefined && existsSync(join(REPO_DIR, dir, entry)), `${name}: ${entry} exists`)
  }
})

/** Whether a service starts only once `other` completed, directly or through what it waits for. */
function startsAfter(service: ComposeService, other: string, seen = new Set<ComposeService>()): boolean {
  if (seen.has(service)) return false
  seen.add(service)
  const on = (service.depends_on ?? {}) as Record<string, { condition: string }>
  return Object.entries(on).some(
    ([name, { condition }]) =>
      (name === other && condition === 'service_completed_successfully') ||
      (compose.services[name] !== undefined && startsAfter(compose.services[name], other, seen)),
  )
}

test('the volume set-up gives exactly its volumes to the user the image runs as', (t) => {
  const owners = image.filter(([, s]) => commandWords(s)[0] === 'chown')
  t.is(owners.length, 1)
  const [, service] = owners[0] as [string, ComposeService]
  t.is(service.user, '0:0')
  const words = commandWords(service)
  t.deepEqual(words.slice(0, 3), ['chown', '-R', dockerfile.user])
  t.deepEqual(
    words.slice(3).sort(),
    (service.volumes ?? []).map((v) => v.split(':')[1]).sort(),
    'it changes its own mounts and nothing else',
  )
  const [owner] = owners[0] as [string, ComposeService]
  for (const [name, s] of image.filter(([n, x]) => n !== owner && (x.volumes ?? []).length > 0))
    t.true(startsAfter(s, owner), `${name} starts after ${owner} completed`)
})

test('the services run as their Kubernetes workloads do, and their environment is valid configuration', (t) => {
  for (const workload of WORKLOADS) {
    const service = compose.services[composeServiceOf(workload)]
    if (service === undefined) {
      t.fail(`compose.yml runs no ${composeServiceOf(workload)} for ${workload.name}`)
      continue
    }
    t.is(packageDir(service), workload.packageDir)
    t.deepEqual(commandWords(service), workload.command)
    t.true(
      (service.expose ?? []).includes(String(workload.port)),
      `${workload.name} exposes ${workload.port}`,
    )
  }
  const platform = readConfig({ ...compose.services.platform?.environment })
  t.deepEqual(platform.parts, PLATFORM_PARTS, 'every part in one process')
  t.is(platform.port, 8080)
  t.is(platform.host, '0.0.0.0')
  t.is(platform.kafka?.brokers[0], 'kafka:29092')
  t.is(platform.api.auth.mode, 'local', 'real services: tokens of the local signing key')
  const tracking = readTrackingEnv({ ...compose.services.tracking?.environment })
  t.is(tracking.httpPort, 9464)
  t.is(tracking.httpHost, '0.0.0.0')
})

test("the metrics token is minted with the platform's own signing key", (t) => {
  const minter = compose.services['metrics-token']
  const platform = compose.services.platform
  t.is(minter?.environment?.STATE_DIR, platform?.environment?.STATE_DIR)
  const stateVolume = (s: ComposeService | undefined): string | undefined =>
    s?.volumes?.find((v) => v.endsWith(`:${s.environment?.STATE_DIR}`))?.split(':')[0]
  t.truthy(stateVolume(platform))
  t.is(stateVolume(minter), stateVolume(platform))
  t.true(commandWords(minter ?? {}).includes('ops'), 'the token has the ops scope /metrics asks for')
  t.is(
    (platform?.depends_on as Record<string, { condition: string }>)['metrics-token']?.condition,
    'service_completed_successfully',
    'the platform starts once the key exists, so both use the same one',
  )
})
