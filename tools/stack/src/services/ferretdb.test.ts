import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { PACKAGE_DIR, VERSIONS } from '../config.ts'
import { StackError } from '../errors.ts'
import {
  applyPatches,
  buildKey,
  copyWritable,
  ferretDbArgs,
  patchFiles,
  PATCHES,
  SQLITE_PARAMS,
} from './ferretdb.ts'

function tempDir(t: { teardown: (f: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const PATCH = `diff --git a/a.txt b/a.txt
--- a/a.txt
+++ b/a.txt
@@ -1,2 +1,2 @@
 one
-two
+zwei
`

test('the command line listens where asked and opens SQLite in the data folder without an fsync per commit', (t) => {
  t.deepEqual(ferretDbArgs('127.0.0.1:27017', '/state/ferretdb/data'), [
    '-listen',
    '127.0.0.1:27017',
    '-sqlite-dir',
    '/state/ferretdb/data/',
    '-sqlite-params',
    '_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(20000)',
  ])
  t.is(SQLITE_PARAMS, '_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(20000)')
})

test('patches are the .patch files of the folder in name order', (t) => {
  const dir = tempDir(t, 'ferret-patches-')
  for (const f of ['0002-b.patch', '0001-a.patch', 'README.md']) writeFileSync(join(dir, f), PATCH)
  t.deepEqual(patchFiles(dir), [join(dir, '0001-a.patch'), join(dir, '0002-b.patch')])
  t.true(patchFiles().length > 0, 'the repository has FerretDB patches')
  t.true(patchFiles().every((f) => f.startsWith(PATCHES)))
})

test('the cache key changes with a patch, so a binary built without it is not reused', (t) => {
  const dir = tempDir(t, 'ferret-key-')
  const patch = join(dir, '0001-a.patch')
  writeFileSync(patch, PATCH)
  const before = buildKey([patch])
  t.is(buildKey([patch]), before, 'the same content gives the same key')
  writeFileSync(patch, PATCH.replace('zwei', 'deux'))
  t.not(buildKey([patch]), before)
  t.not(buildKey([]), before)
  t.regex(buildKey(), /^[0-9a-f]{12}$/)
})

test('applyPatches changes the tree, and a patch that does not fit fails the build', (t) => {
  const dir = tempDir(t, 'ferret-apply-')
  const tree = join(dir, 'tree')
  mkdirSync(tree)
  writeFileSync(join(tree, 'a.txt'), 'one\ntwo\n')
  const patch = join(dir, '0001.patch')
  writeFileSync(patch, PATCH)
  applyPatches('ferretdb', tree, [patch])
  t.is(readFileSync(join(tree, 'a.txt'), 'utf8'), 'one\nzwei\n')
  // Applied already: the context no longer fits, and the file is left as it is.
  const error = t.throws(() => applyPatches('ferretdb', tree, [patch]), { instanceOf: StackError })
  t.regex(error.message, /patch does not apply|patch failed/)
  t.is(readFileSync(join(tree, 'a.txt'), 'utf8'), 'one\nzwei\n')
})

test('the repository patches fit the pinned FerretDB (when its module is in the local Go cache)', (t) => {
  const found = spawnSync(
    'go',
    ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${VERSIONS.ferretdb}`],
    {
      cwd: join(PACKAGE_DIR, 'ferretdb'),
      encoding: 'utf8',
      env: { ...process.env, GOPROXY: 'off' },
    },
  )
  if (found.status !== 0) {
    // CI builds FerretDB (stack:up) before the tests, so there the module must be in the cache.
    if (process.env.CI === 'true' || process.env.REQUIRE_SERVICES === '1') {
      t.fail('FerretDB is not in the Go module cache although stack:up built it')
      return
    }
    t.log('FerretDB is not in the Go module cache; `npm run stack:up` checks the patches when it builds')
    t.pass()
    return
  }
  const tree = join(tempDir(t, 'ferret-src-'), 'src')
  copyWritable((JSON.parse(found.stdout) as { Dir: string }).Dir, tree)
  t.notThrows(() => applyPatches('ferretdb', tree, patchFiles()))
  t.regex(
    readFileSync(join(tree, 'internal/backends/sqlite/metadata/metadata.go'), 'utf8'),
    /IDColumn = DefaultColumn \+ "->'_id'"/,
  )
  t.true(existsSync(join(tree, 'internal/handler/update_batch.go')), 'the update batching is in')
})
