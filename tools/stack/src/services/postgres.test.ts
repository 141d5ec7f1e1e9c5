import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import test from 'ava'
import { dataDir } from './postgres.ts'

const asRoot = process.getuid?.() === 0

test('a state directory the server user can enter keeps the cluster inside it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-state-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.is(dataDir(dir, { canEnter: () => true }), join(dir, 'data'))
  t.false(existsSync(join(dir, 'data-location')))
})

// As root the stack runs PostgreSQL as `postgres`: a checkout inside `mktemp -d` (0700) is closed to it.
test('a state directory closed to the server user gets a cluster outside it, kept while the state lives', (t) => {
  if (!asRoot) {
    t.is(dataDir('/nowhere', { canEnter: () => false }), '/nowhere/data', 'as another user nothing moves')
    return
  }
  const closed = mkdtempSync(join(tmpdir(), 'pg-closed-'))
  chmodSync(closed, 0o700)
  const root = mkdtempSync(join(tmpdir(), 'pg-outside-'))
  t.teardown(() => {
    rmSync(closed, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  })
  const dir = join(closed, '.stack', 'postgres')
  mkdirSync(dir, { recursive: true })

  const data = dataDir(dir, { root })
  t.true(data.startsWith(root), data)
  t.is(readFileSync(join(dir, 'data-location'), 'utf8').trim(), data)
  const home = dirname(data)
  t.is(statSync(home).mode & 0o777, 0o700)
  t.is(statSync(root).mode & 0o777, 0o755)

  // The same state directory finds its cluster again.
  writeFileSync(join(home, 'PG_MARKER'), 'x')
  t.is(dataDir(dir, { root }), data)
  t.true(existsSync(join(home, 'PG_MARKER')))

  // A new state directory at the same path (the old one deleted) does not inherit the old cluster.
  rmSync(join(closed, '.stack'), { recursive: true })
  mkdirSync(dir, { recursive: true })
  t.is(dataDir(dir, { root }), data)
  t.false(existsSync(join(home, 'PG_MARKER')))
})
