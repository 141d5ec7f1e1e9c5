import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Linux's USER_HZ: the unit of /proc's CPU times. */
const CLOCK_TICKS = 100

/**
 * CPU time (user + system) a process has used so far, ms, from a `/proc/<pid>/stat` line: after the
 * command name (which may hold spaces and parentheses, hence the last ')'), utime is the 12th field
 * and stime the 13th.
 */
export function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}

/** CPU time (user + system) process `pid` has used so far, ms; undefined where it or /proc is absent. */
export function processCpuMs(pid: number): number | undefined {
  try {
    return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** CPU time the processes have used so far, ms; undefined when any of them cannot say. */
export function cpuMsOf(pids: readonly number[]): number | undefined {
  let total = 0
  for (const pid of pids) {
    const ms = processCpuMs(pid)
    if (ms === undefined) return undefined
    total += ms
  }
  return total
}

/** The local stack's broker, from the pid file the stack writes (STACK_DIR, else the repository's .stack/). */
export function stackBrokerPid(): number | undefined {
  const stackDir = process.env.STACK_DIR ?? fileURLToPath(new URL('../../.stack', import.meta.url))
  try {
    const pid = Number(readFileSync(join(stackDir, 'kafka', 'kafka.pid'), 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}
