import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * A task's local checkpoint: the changelog offset each persistent store is known to hold up to. It is
 * written on a clean close and removed when the task starts, so after a crash there is none and the
 * store is rebuilt from its changelog rather than trusted. Stores do not sync at commits, so both steps
 * are made durable: a checkpoint that came back after a machine crash would vouch for unsynced pages.
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
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(offsets)), { flush: true })
    renameSync(tmp, this.file)
    syncDir(dirname(this.file))
  }

  remove(): void {
    if (!existsSync(this.file)) return
    rmSync(this.file, { force: true })
    syncDir(dirname(this.file))
  }
}

/** Makes a rename or removal in a directory durable. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
