import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { openSync, closeSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { STACK_ERROR_CODES, StackError } from './errors.ts'

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** The pid in the file when that process still runs; a stale file is removed. */
export function runningPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile)
  if (pid !== undefined && isAlive(pid)) return pid
  rmSync(pidFile, { force: true })
  return undefined
}

export interface DaemonOptions {
  readonly service: string
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  readonly logFile: string
  readonly pidFile: string
  readonly env?: NodeJS.ProcessEnv
}

/** Starts a process in its own process group, detached from this one, logging to a file. */
export function startDaemon(options: DaemonOptions): number {
  const log = openSync(options.logFile, 'a')
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...options.env },
    })
    if (child.pid === undefined) {
      throw new StackError(
        STACK_ERROR_CODES.START_FAILED,
        options.service,
        `could not spawn ${options.command}`,
      )
    }
    child.unref()
    writeFileSync(options.pidFile, `${child.pid}\n`)
    return child.pid
  } finally {
    closeSync(log)
  }
}

/**
 * Asks the process to stop with its shutdown signal, then kills its whole process group after the
 * grace period; resolves once it is gone.
 */
export async function stopDaemon(
  service: string,
  pidFile: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<boolean> {
  const pid = runningPid(pidFile)
  if (pid === undefined) return false
  const send = (target: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(target, sig)
    } catch {
      // already gone
    }
  }
  send(pid, options.signal ?? 'SIGTERM')
  const deadline = Date.now() + (options.graceMs ?? 30_000)
  while (isAlive(pid) && Date.now() < deadline) await sleep(100)
  if (isAlive(pid)) {
    send(-pid, 'SIGKILL')
    const killDeadline = Date.now() + 5_000
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(100)
  }
  if (isAlive(pid))
    throw new StackError(STACK_ERROR_CODES.STOP_FAILED, service, `pid ${pid} survived SIGKILL`)
  rmSync(pidFile, { force: true })
  return true
}

/** Runs a command to completion, failing with its output when it exits non-zero. */
export function run(
  service: string,
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions = {},
): string {
  const result = spawnSync(command, [...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
  if (result.error !== undefined) {
    throw new StackError(
      STACK_ERROR_CODES.INSTALL_FAILED,
      service,
      `${command} could not run: ${result.error.message}`,
      {
        cause: result.error,
      },
    )
  }
  if (result.status !== 0) {
    const output = `${String(result.stdout ?? '')}\n${String(result.stderr ?? '')}`
      .trim()
      .split('\n')
      .slice(-30)
      .join('\n')
    throw new StackError(
      STACK_ERROR_CODES.INSTALL_FAILED,
      service,
      `${command} ${args.join(' ')} exited with ${result.status}\n${output}`,
    )
  }
  return String(result.stdout ?? '')
}

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}
