import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { Ajv } from 'ajv'
import { PACKAGE_DIR, PORTS } from '../config.ts'
import { bindMount, namedVolume, readCompose } from './compose-file.ts'

const SCHEMA = join(PACKAGE_DIR, 'reference', 'compose-spec', 'compose-spec.json')
const compose = readCompose()

test('compose.yml satisfies the Compose Specification schema', (t) => {
  t.true(existsSync(SCHEMA), `the Compose schema is vendored at ${SCHEMA}`)
  // The schema names draft-07 by its https URL, which Ajv does not know by that name; it is draft-07.
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false })
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object)
  const valid = validate(compose)
  t.true(valid, ajv.errorsText(validate.errors, { separator: '\n' }))
})

test('compose.yml publishes each service on the stack’s loopback port, and the platform on its own', (t) => {
  const published = (name: string): readonly string[] => compose.services[name]?.ports ?? []
  t.true(published('kafka').includes(`127.0.0.1:${PORTS.kafka}:9092`))
  t.true(published('registry').includes(`127.0.0.1:${PORTS.registry}:8080`))
  t.true(published('postgres').includes(`127.0.0.1:${PORTS.postgres}:5432`))
  t.true(published('ferretdb').includes(`127.0.0.1:${PORTS.mongodb}:27017`))
  t.true(published('platform').includes('127.0.0.1:8080:8080'))
  t.true(published('tracking').includes('127.0.0.1:9464:9464'))
  t.true(published('prometheus').includes('127.0.0.1:9090:9090'))
  t.true(published('grafana').includes('127.0.0.1:3000:3000'))
  // Only on loopback: nothing of the local platform is reachable from the network.
  for (const [name, service] of Object.entries(compose.services))
    for (const port of service.ports ?? []) t.true(port.startsWith('127.0.0.1:'), `${name} publishes ${port}`)
})

test('files compose.yml mounts from the repository exist, and every named volume is declared', (t) => {
  const volumes = Object.values(compose.services).flatMap((s) => s.volumes ?? [])
  const mounts = volumes.flatMap((v) => bindMount(v) ?? [])
  t.true(mounts.length >= 5, 'the registry init, Prometheus and Grafana files are mounted')
  for (const { source } of mounts) t.true(existsSync(source), source)
  const declared = Object.keys(compose.volumes ?? {})
  for (const v of volumes.flatMap((x) => namedVolume(x) ?? []))
    t.true(declared.includes(v.name), `volume ${v.name} is declared`)
})

test('every service a service depends on exists', (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    const on = service.depends_on
    const names = on === undefined ? [] : Array.isArray(on) ? on : Object.keys(on)
    for (const dependency of names as string[])
      t.truthy(compose.services[dependency], `${name} depends on ${dependency}`)
  }
})
