import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * The next life of a simulator whose state is kept in `file`: 0 the first time, then one more at every
 * start, written before the simulator runs so a crash right after still counts.
 */
export function nextLife(file: string): number {
  let last = -1
  try {
    const parsed = Number(readFileSync(file, 'utf8').trim())
    if (Number.isInteger(parsed) && parsed >= 0) last = parsed
  } catch {
    // No file: the first life.
  }
  const life = last + 1
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, `${life}\n`)
  renameSync(`${file}.tmp`, file)
  return life
}
