import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { contractOf, Contracts, type AvroField, type AvroRecordSchema } from '@oxagry/avro'
import { TOPICS, type TopicSpec } from './catalogue.ts'
import { resolveBaseRef, showAt } from './git.ts'
import { checkSchemas } from './schemas.ts'

// A throwaway repository holding one schema, to check `schemas check` against its git history.
function repository(): { root: string; schemas: string; commit: (message: string) => void } {
  const root = mkdtempSync(join(tmpdir(), 'oxagry-schemas-'))
  const schemas = join(root, 'schemas', 'avro')
  mkdirSync(join(schemas, 'fleet'), { recursive: true })
  // Keeps the folder when the schema is removed from git.
  writeFileSync(join(schemas, 'package.json'), '{}')
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' })
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'test@example.invalid')
  git('config', 'user.name', 'test')
  git('config', 'commit.gpgsign', 'false')
  return {
    root,
    schemas,
    commit: (message) => {
      git('add', '-A')
      git('commit', '-q', '-m', message)
    },
  }
}

function write(schemas: string, schema: AvroRecordSchema): void {
  mkdirSync(join(schemas, 'fleet'), { recursive: true })
  writeFileSync(join(schemas, 'fleet', 'machine-ping.avsc'), JSON.stringify(schema, null, 2))
}

function pingTopic(schema: AvroRecordSchema): TopicSpec {
  return { ...TOPICS.machinePings, value: contractOf(schema, 'fleet/machine-ping.avsc') }
}

function evolve(edit: (fields: AvroField[]) => AvroField[]): AvroRecordSchema {
  const copy = structuredClone(Contracts.MachinePing.schema) as AvroRecordSchema & { fields: AvroField[] }
  return { ...copy, fields: edit(copy.fields) }
}

test('the base is the given ref, else the merge-base with main, else HEAD~1; none before the first commit', (t) => {
  const repo = repository()
  t.teardown(() => rmSync(repo.root, { recursive: true, force: true }))
  write(repo.schemas, Contracts.MachinePing.schema)
  t.is(resolveBaseRef(repo.root, undefined, {}), undefined)
  repo.commit('v1')
  t.is(resolveBaseRef(repo.root, undefined, {}), undefined, 'one commit: nothing before it')
  write(
    repo.schemas,
    evolve((f) => f),
  )
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'v2'], { cwd: repo.root })
  t.is(resolveBaseRef(repo.root, undefined, {})?.description, 'HEAD~1')
  execFileSync('git', ['checkout', '-q', '-b', 'feature'], { cwd: repo.root })
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'f1'], { cwd: repo.root })
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'f2'], { cwd: repo.root })
  t.is(resolveBaseRef(repo.root, undefined, {})?.description, 'merge-base with main')
  t.is(resolveBaseRef(repo.root, 'HEAD~2', {})?.description, 'HEAD~2')
  t.is(resolveBaseRef(repo.root, undefined, { SCHEMAS_BASE_REF: 'main' })?.description, 'main')
  t.throws(() => resolveBaseRef(repo.root, 'no-such-ref', {}), { message: /not a commit/ })
  t.is(showAt(repo.root, 'HEAD', 'schemas/avro/fleet/nope.avsc'), undefined)
})

test('schemas check against git: a new file is new, an optional field is fine, a type change fails naming the field', async (t) => {
  const repo = repository()
  t.teardown(() => rmSync(repo.root, { recursive: true, force: true }))
  const check = (schema: AvroRecordSchema) =>
    checkSchemas({ git: { base: 'HEAD', schemasRoot: repo.schemas }, topics: [pingTopic(schema)] })

  write(repo.schemas, Contracts.MachinePing.schema)
  repo.commit('first')
  execFileSync('git', ['rm', '-q', 'schemas/avro/fleet/machine-ping.avsc'], { cwd: repo.root })
  repo.commit('removed')
  t.deepEqual(
    (await check(Contracts.MachinePing.schema)).map((c) => c.status),
    ['new'],
    'absent at the base: new',
  )

  write(repo.schemas, Contracts.MachinePing.schema)
  repo.commit('back')
  const optional = evolve((f) => [...f, { name: 'altitudeMeters', type: ['null', 'double'], default: null }])
  t.deepEqual(
    (await check(optional)).map((c) => [c.status, c.file, c.against]),
    [['compatible', 'fleet/machine-ping.avsc', 'git HEAD']],
  )

  const changed = evolve((f) => f.map((x) => (x.name === 'speedKmh' ? { ...x, type: 'string' } : x)))
  const [result] = await check(changed)
  t.is(result?.status, 'incompatible')
  t.is(result?.level, 'FULL')
  t.deepEqual(
    result?.issues.map((i) => i.path),
    ['MachinePing.speedKmh', 'MachinePing.speedKmh'],
  )
  t.regex(result?.issues[0]?.message ?? '', /BACKWARD.*type changed/)
  t.regex(result?.issues[1]?.message ?? '', /FORWARD/)
})
