import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * A cache entry is a folder that counts only once its `.complete` marker exists, so an install
 * interrupted half-way is redone rather than trusted. It is filled in a folder of its own and renamed
 * into place whole, so two stacks installing at once (the local stack and the fault suite's private one
 * share the cache) never build into, or delete, each other's half-made entry: the first rename wins and
 * the other's copy is thrown away.
 */
export async function cached(dir: string, fill: (dir: string) => Promise<void> | void): Promise<string> {
  const marker = join(dir, '.complete')
  if (existsSync(marker)) return dir
  // A folder no other install can name, not even one in this process started in the same millisecond.
  mkdirSync(dirname(dir), { recursive: true })
  const partial = mkdtempSync(`${dir}.partial-`)
  try {
    await fill(partial)
    writeFileSync(join(partial, '.complete'), new Date().toISOString())
    if (existsSync(marker)) return dir
    // An entry without its marker is an older interrupted install: it is replaced.
    rmSync(dir, { recursive: true, force: true })
    try {
      renameSync(partial, dir)
    } catch (error) {
      if (!existsSync(marker)) throw error
    }
    return dir
  } finally {
    rmSync(partial, { recursive: true, force: true })
  }
}

/** A short digest of files' contents, to key a build on its sources. */
export function digestFiles(files: readonly string[]): string {
  const hash = createHash('sha256')
  for (const file of files) hash.update(readFileSync(file))
  return hash.digest('hex').slice(0, 12)
}
