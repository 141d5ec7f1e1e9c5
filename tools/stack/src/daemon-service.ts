import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { StackPaths } from './config.ts'
import { STACK_ERROR_CODES, StackError } from './errors.ts'
import { portOpen, waitUntil } from './health.ts'
import { runningPid, startDaemon, stopDaemon, isAlive } from './process.ts'
import type { ServiceStatus, StackService } from './service.ts'

export interface Launch {
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
}

/** A service run as a daemon process with a pid file, a log file and a health check. */
export abstract class DaemonService implements StackService {
  abstract readonly name: string
  abstract readonly host: string
  abstract readonly port: number
  /** How long a cold start may take before the stack gives up. */
  readonly startTimeoutMs: number = 120_000
  /** The signal that asks for a clean shutdown. */
  readonly stopSignal: NodeJS.Signals = 'SIGTERM'

  abstract install(paths: StackPaths): Promise<void>
  /** Prepares the data directory (format, initdb) and says how to launch. */
  protected abstract prepare(paths: StackPaths, dir: string): Promise<Launch>
  protected abstract healthy(): Promise<boolean>
  /** Settles configuration that needs the running service; runs after every healthy start. */
  protected async configure(): Promise<void> {}
  protected address(): string {
    return `${this.host}:${this.port}`
  }

  dir(paths: StackPaths): string {
    return join(paths.state, this.name)
  }

  protected pidFile(paths: StackPaths): string {
    return join(this.dir(paths), `${this.name}.pid`)
  }

  logFile(paths: StackPaths): string {
    return join(this.dir(paths), `${this.name}.log`)
  }

  async start(paths: StackPaths): Promise<'started' | 'already-up'> {
    const dir = this.dir(paths)
    mkdirSync(dir, { recursive: true })
    const pidFile = this.pidFile(paths)
    const logFile = this.logFile(paths)
    const existing = runningPid(pidFile)
    if (existing !== undefined) {
      await waitUntil(this.name, () => this.healthy(), {
        timeoutMs: this.startTimeoutMs,
        alive: () => isAlive(existing),
        logFile,
      })
      await this.configure()
      return 'already-up'
    }
    if (await portOpen(this.host, this.port)) {
      throw new StackError(
        STACK_ERROR_CODES.PORT_IN_USE,
        this.name,
        `${this.address()} is taken by a process the stack did not start; stop it or free the port`,
      )
    }
    const launch = await this.prepare(paths, dir)
    const pid = startDaemon({ service: this.name, cwd: dir, logFile, pidFile, ...launch })
    await waitUntil(this.name, () => this.healthy(), {
      timeoutMs: this.startTimeoutMs,
      alive: () => isAlive(pid),
      logFile,
    })
    await this.configure()
    return 'started'
  }

  async stop(paths: StackPaths): Promise<boolean> {
    return stopDaemon(this.name, this.pidFile(paths), { signal: this.stopSignal })
  }

  async status(paths: StackPaths): Promise<ServiceStatus> {
    const pid = runningPid(this.pidFile(paths))
    if (pid === undefined) return { name: this.name, state: 'down', address: this.address() }
    const up = await this.healthy().catch(() => false)
    return { name: this.name, state: up ? 'up' : 'starting', address: this.address(), pid }
  }
}
