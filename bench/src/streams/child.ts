import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { processCpuMs } from '../process-cpu.ts'

/**
 * A system under test running as a child process. Its stdout lines are watched (`STATE ...`,
 * `MEMORY {...}`), its stderr goes to a log file whose tail explains a failure.
 */
export class SystemProcess {
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess
  private readonly lines: string[] = []
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []
  private readonly listeners: ((line: string) => void)[] = []
  private exitCode: number | null | undefined

  /**
   * A TypeScript module of this repository in a Node process of its own (through tsx).
   * @param nodeArgs Node's own options, before the script (`--cpu-prof`, which NODE_OPTIONS refuses)
   */
  static script(
    name: string,
    script: URL,
    args: readonly string[],
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
    nodeArgs: readonly string[] = [],
  ): SystemProcess {
    return new SystemProcess(
      name,
      process.execPath,
      [...nodeArgs, '--import', 'tsx', fileURLToPath(script), ...args],
      logFile,
      env,
    )
  }

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const log = createWriteStream(logFile)
    this.child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    this.child.stderr?.pipe(log)
    let rest = ''
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString()
      const parts = text.split('\n')
      rest = parts.pop() ?? ''
      for (const line of parts) this.receive(line)
    })
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code
        resolve(code)
      })
    })
  }

  private receive(line: string): void {
    for (const listener of this.listeners) listener(line)
    this.lines.push(line)
    if (this.lines.length > 200) this.lines.shift()
    for (const w of [...this.waiters]) {
      if (w.match(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  }

  /** Calls `listener` with every stdout line from now on (periodic reports, which `line` would miss). */
  onLine(listener: (line: string) => void): void {
    this.listeners.push(listener)
  }

  /** The first line (seen already or to come) that matches; rejects if the process exits first. */
  line(match: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      this.waiters.push({ match, resolve })
      void this.exited.then(async (code) => reject(await this.failure(`exited with ${code}`)))
    })
  }

  /** Rejects when the process exits before `work` settles: a crashed system fails its run at once. */
  async guard<T>(work: Promise<T>): Promise<T> {
    const crashed = this.exited.then(async (code) => {
      throw await this.failure(`exited with ${code} while running`)
    })
    return Promise.race([work, crashed])
  }

  async failure(what: string): Promise<Error> {
    const log = await readFile(this.logFile, 'utf8').catch(() => '')
    const tail = log.trim().split('\n').slice(-15).join('\n')
    return new Error(`${this.name} ${what}; log ${this.logFile}:\n${tail}`)
  }

  /** CPU time (user + system) the process has used so far, ms; undefined where /proc is absent. */
  cpuMs(): number | undefined {
    return this.child.pid === undefined ? undefined : processCpuMs(this.child.pid)
  }

  /** SIGTERM, then SIGKILL if it has not stopped after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.exitCode !== undefined) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}
