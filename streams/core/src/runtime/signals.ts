import type { Logger } from 'pino'
import type { StreamsState } from './streams-state.ts'

export interface Closeable {
  close(options?: { timeoutMs?: number }): Promise<void>
}

/** What can fail for good: an instance (`KafkaStreams`), told of by its state going to ERROR. */
export interface Failing {
  readonly state: StreamsState
  onStateChange(listener: (next: StreamsState, previous: StreamsState) => void): void
  readonly error?: { readonly code: string; readonly message: string } | undefined
}

interface ExitOptions {
  readonly timeoutMs?: number
  readonly logger?: Logger
  /** How the process ends; `process.exit` unless a test says. */
  readonly exit?: (code: number) => void
}

const processExit = (code: number): void => process.exit(code)

/** The ways out already taken: a second cause (a signal, a failure) while closing exits at once. */
const closing = new WeakSet<(code: number) => void>()

/**
 * Closes everything within the bound, then exits: with `code`, or 1 when something failed or ran out
 * of time. Called again while closing (a second signal), exits at once with 1.
 */
function closeAndExit(closeables: readonly Closeable[], code: 0 | 1, options: ExitOptions): void {
  const exit = options.exit ?? processExit
  if (closing.has(exit)) {
    options.logger?.warn('closing already: exiting now')
    return exit(1)
  }
  closing.add(exit)
  const timeoutMs = options.timeoutMs ?? 30_000
  // Not unref'd: a close that hangs on nothing the event loop waits for would let the process end with 0.
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  )
  const all = Promise.allSettled(closeables.map((c) => c.close({ timeoutMs })))
  void Promise.race([all, deadline]).then((outcome) => {
    clearTimeout(timer)
    const failed = outcome === 'timeout' || outcome.some((r) => r.status === 'rejected')
    if (failed)
      options.logger?.error(
        { outcome: outcome === 'timeout' ? 'timeout' : 'error' },
        'shutdown was not clean',
      )
    exit(failed ? 1 : code)
  })
}

/**
 * On SIGTERM or SIGINT, closes everything within the bound and exits: 0 when all closed cleanly, 1
 * when something failed or ran out of time. A second signal exits at once.
 */
export function shutdownOnSignals(
  closeables: readonly Closeable[],
  options: { timeoutMs?: number; logger?: Logger; signals?: readonly NodeJS.Signals[] } = {},
): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    options.logger?.info({ signal, timeoutMs: options.timeoutMs ?? 30_000 }, 'shutting down')
    closeAndExit(closeables, 0, options)
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  for (const s of signals) process.on(s, handler)
  return () => {
    for (const s of signals) process.off(s, handler)
  }
}

/**
 * When any of `instances` fails for good (its state goes to ERROR), closes everything within the bound
 * and exits with 1: a failed instance neither processes nor recovers in place, so the process ends for
 * its supervisor (a Kubernetes Deployment, systemd) to start it again, as Kafka Streams' applications
 * do from their StreamsUncaughtExceptionHandler (SHUTDOWN_CLIENT) or an ERROR state listener. Its
 * liveness (`/health/live`) fails from the moment it failed until the process is gone.
 */
export function exitOnError(
  instances: readonly Failing[],
  closeables: readonly Closeable[],
  options: ExitOptions = {},
): void {
  let failed = false
  const onError = (instance: Failing): void => {
    if (failed) return
    failed = true
    options.logger?.fatal(
      { error: instance.error, timeoutMs: options.timeoutMs ?? 30_000 },
      'an instance failed for good: closing, then exiting with 1 to be started again',
    )
    closeAndExit(closeables, 1, options)
  }
  for (const instance of instances) {
    // One that failed before this was called (while starting) ends the process as well.
    if (instance.state === 'ERROR') onError(instance)
    instance.onStateChange((next) => {
      if (next === 'ERROR') onError(instance)
    })
  }
}
