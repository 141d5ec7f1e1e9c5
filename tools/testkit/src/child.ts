import { spawn, type ChildProcess } from 'node:child_process'

/** A TypeScript script run in a child process for a test to kill; `running` settles once it said so. */
export interface TestChild {
  readonly child: ChildProcess
  /** Resolves when the child prints `ready`; rejects when it exits before. */
  readonly running: Promise<void>
}

/**
 * Runs `script` (TypeScript, through tsx) with one JSON argument, its stderr shown, and waits for it to
 * print `ready` on stdout: the crash tests' workers, SIGKILLed at random points.
 */
export function startTestChild(script: string, spec: unknown, ready: string): TestChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const running = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(ready)) resolve()
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited (${code ?? signal}) before running`)),
    )
  })
  // A child killed before it ran is waited for by whoever awaits `running`; no unhandled rejection here.
  running.catch(() => {})
  return { child, running }
}
