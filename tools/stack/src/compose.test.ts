import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { PACKAGE_DIR, PORTS, REPO_DIR } from './config.ts'

const SCHEMA = join(PACKAGE_DIR, 'reference', 'compose-spec', 'compose-spec.json')
const compose = parse(readFileSync(join(REPO_DIR, 'compose.yml'), 'utf8')) as {
  services: Record<string, { ports?: string[]; volumes?: string[] }>
}

test('compose.yml satisfies the Compose Specification schema', (t) => {
  t.true(existsSync(SCHEMA), `the Compose schema is vendored at ${SCHEMA}`)
  // The schema names draft-07 by its https URL, which Ajv does not know by that name; it is draft-07.
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false })
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object)
  const valid = validate(compose)
  t.true(valid, ajv.errorsText(validate.errors, { separator: '\n' }))
})

test('compose.yml publishes each service on the stack’s loopback port', (t) => {
  const published = (name: string): string[] => compose.services[name]?.ports ?? []
  t.true(published('kafka').includes(`127.0.0.1:${PORTS.kafka}:9092`))
  t.true(published('registry').includes(`127.0.0.1:${PORTS.registry}:8080`))
  t.true(published('postgres').includes(`127.0.0.1:${PORTS.postgres}:5432`))
  t.true(published('ferretdb').includes(`127.0.0.1:${PORTS.mongodb}:27017`))
})

test('files compose.yml mounts from the repository exist', (t) => {
  const mounts = Object.values(compose.services)
    .flatMap((s) => s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => v.split(':')[0] ?? '')
  t.true(mounts.length > 0)
  for (const mount of mounts) t.true(existsSync(join(REPO_DIR, mount)), mount)
})
