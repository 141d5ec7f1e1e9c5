import { readFileSync } from 'node:fs'

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
