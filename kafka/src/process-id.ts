import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'

/** The file (beside a streams instance's task directories) that keeps the instance's process id across restarts. */
export const PROCESS_FILE = 'kafka-streams-process.json'

interface ProcessFile {
  readonly processId: string
  /** The process that last claimed the id: a live other process means the directory is in use. */
  readonly pid: number
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readProcessFile(path: string): ProcessFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ProcessFile>
    if (typeof parsed.processId === 'string' && /^[0-9a-f-]{36}$/.test(parsed.processId)) {
      return { processId: parsed.processId, pid: typeof parsed.pid === 'number' ? parsed.pid : 0 }
    }
  } catch {
    // Missing or torn: a new id.
  }
  return undefined
}

/**
 * An instance's process id, kept in its directory (`<stateDir>/<applicationId>/`) as Kafka Streams keeps
 * it in its state directory: a restarted instance gets the same id, so its per-thread transactional
 * ids (a stream thread's, a transactional worker's) are the same, and claiming them at once aborts what
 * the previous run left open, instead of its outputs staying unreadable under read_committed until the
 * broker times that transaction out. When another live process of this machine holds the directory, a
 * fresh id keeps the two from fencing each other.
 */
export function claimProcessId(appStateDir: string, logger: Logger): string {
  const path = join(appStateDir, PROCESS_FILE)
  const saved = readProcessFile(path)
  if (saved !== undefined && saved.pid !== process.pid && saved.pid > 0 && alive(saved.pid)) {
    logger.warn(
      { stateDir: appStateDir, pid: saved.pid },
      'state directory in use by another live process: this instance takes a fresh process id',
    )
    return randomUUID()
  }
  const processId = saved?.processId ?? randomUUID()
  try {
    mkdirSync(appStateDir, { recursive: true })
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify({ processId, pid: process.pid } satisfies ProcessFile))
    renameSync(temporary, path)
  } catch (error) {
    logger.warn({ err: error, stateDir: appStateDir }, 'process id not saved: the next run takes a new one')
  }
  return processId
}
