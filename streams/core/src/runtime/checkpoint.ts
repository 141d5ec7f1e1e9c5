import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * A task's local checkpoint: the changelog offset each persistent store is known to hold up to. It is
 * written on a clean close and removed when the task starts, so after a crash there is none and the
 * store is rebuilt from its changelog rather than trusted.
 */
export class Checkpoint {
  private readonly file: string

  constructor(taskDir: string) {
    this.file = join(taskDir, '.checkpoint')
  }

  read(): Map<string, string> {
    if (!existsSync(this.file)) return new Map()
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>
      return new Map(Object.entries(parsed))
    } catch {
      return new Map()
    }
  }

  write(offsets: ReadonlyMap<string, string>): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(offsets)))
    renameSync(tmp, this.file)
  }

  remove(): void {
    rmSync(this.file, { force: true })
  }
}
