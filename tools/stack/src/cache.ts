import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A cache entry is a folder that counts only once its `.complete` marker exists, so an install
 * interrupted half-way is redone rather than trusted.
 */
export async function cached(dir: string, fill: (dir: string) => Promise<void> | void): Promise<string> {
  const marker = join(dir, '.complete')
  if (existsSync(marker)) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  await fill(dir)
  writeFileSync(marker, new Date().toISOString())
  return dir
}

/** A short digest of files' contents, to key a build on its sources. */
export function digestFiles(files: readonly string[]): string {
  const hash = createHash('sha256')
  for (const file of files) hash.update(readFileSync(file))
  return hash.digest('hex').slice(0, 12)
}
