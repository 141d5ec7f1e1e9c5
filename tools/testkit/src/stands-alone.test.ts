import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
// A relative path that climbs out of the checkout into the reference folder beside it, as a URL or as join() parts.
const FOLDER_BESIDE = ['shared', 'reference'].map(
  (name) => new RegExp(`(\\.\\./)+${name}/|'\\.\\.', '${name}'`),
)

/** The files git tracks, with what `git add` would add (a test run on uncommitted work sees it too). */
function repositoryFiles(): string[] {
  const list = (args: string[]): string[] =>
    execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).split('\n').filter(Boolean)
  return [...new Set([...list(['ls-files']), ...list(['ls-files', '--others', '--exclude-standard'])])]
}

// A fresh clone must pass `npm test` with nothing beside it: no code or test reads a folder next to the
// checkout. Prose may name where vendored material came from; code may not read from there.
test('no source, test or script reads a folder beside the checkout', (t) => {
  const code = repositoryFiles().filter((f) => /\.(ts|js|mjs|cjs|sh|json|ya?ml)$/.test(f) || f === '.ci/run')
  t.true(code.length > 100, `found ${code.length} files`)
  const reaching = code.filter((file) => {
    let text: string
    try {
      text = readFileSync(join(REPO_DIR, file), 'utf8')
    } catch {
      return false
    }
    return FOLDER_BESIDE.some((pattern) => pattern.test(text))
  })
  t.deepEqual(reaching, [])
})
