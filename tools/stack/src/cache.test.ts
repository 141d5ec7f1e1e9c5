import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import test from 'ava'
import { cached } from './cache.ts'

const fillWith = (content: string, delayMs: number) => async (dir: string) => {
  writeFileSync(join(dir, 'first'), content)
  await sleep(delayMs)
  writeFileSync(join(dir, 'second'), content)
}

test('installs started at once: each gets one whole entry, and no half-made copy is left', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'oxagry-cache-'))
  const dir = join(root, 'tool-1.0')
  // Started in the same tick, so in the same millisecond: their folders must still be apart.
  const installs = ['a', 'b', 'c', 'd', 'e', 'f'].map((content, i) =>
    cached(dir, fillWith(content, 50 - i * 8)),
  )
  t.deepEqual(
    await Promise.all(installs),
    Array.from(installs, () => dir),
  )
  const first = readFileSync(join(dir, 'first'), 'utf8')
  t.is(readFileSync(join(dir, 'second'), 'utf8'), first, 'the entry is one fill, not a mix of two')
  t.true(existsSync(join(dir, '.complete')))
  t.deepEqual(readdirSync(root), ['tool-1.0'])
})

test('a complete entry is used as it is; an interrupted one is redone; a failed fill leaves nothing', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'oxagry-cache-'))
  const dir = join(root, 'tool-1.0')
  await cached(dir, fillWith('a', 0))
  await cached(dir, () => t.fail('a complete entry is not filled again'))
  t.is(readFileSync(join(dir, 'first'), 'utf8'), 'a')

  const interrupted = join(root, 'tool-2.0')
  mkdirSync(interrupted)
  writeFileSync(join(interrupted, 'first'), 'stale')
  await cached(interrupted, fillWith('fresh', 0))
  t.is(readFileSync(join(interrupted, 'first'), 'utf8'), 'fresh')

  const failed = join(root, 'tool-3.0')
  await t.throwsAsync(
    cached(failed, () => {
      throw new Error('download refused')
    }),
    { message: 'download refused' },
  )
  t.deepEqual(readdirSync(root).sort(), ['tool-1.0', 'tool-2.0'])
})
