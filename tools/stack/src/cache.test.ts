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

test('two installs at once: both get one whole entry, and neither half-made copy is left', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'oxagry-cache-'))
  const dir = join(root, 'tool-1.0')
  const [a, b] = await Promise.all([cached(dir, fillWith('a', 50)), cached(dir, fillWith('b', 10))])
  t.is(a, dir)
  t.is(b, dir)
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
