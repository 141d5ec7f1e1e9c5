import type { Logger } from 'pino'

export interface Closeable {
  close(options?: { timeoutMs?: number }): Promise<void>
}

/**
 * On SIGTERM or SIGINT, closes everything within the bound and exits: 0 when all closed cleanly, 1
 * when something failed or ran out of time. A second signal exits at once.
 */
export function shutdownOnSignals(
  closeables: readonly Closeable[],
  options: { timeoutMs?: number; logger?: Logger; signals?: readonly NodeJS.Signals[] } = {},
): () => void {
  const timeoutMs = options.timeoutMs ?? 30_000
  let closing = false
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) {
      options.logger?.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    closing = true
    options.logger?.info({ signal, timeoutMs }, 'shutting down')
    const deadline = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), timeoutMs).unref(),
    )
    const all = Promise.allSettled(closeables.map((c) => c.close({ timeoutMs })))
    void Promise.race([all, deadline]).then((outcome) => {
      const failed = outcome === 'timeout' || outcome.some((r) => r.status === 'rejected')
      if (failed)
        options.logger?.error(
          { outcome: outcome === 'timeout' ? 'timeout' : 'error' },
          'shutdown was not clean',
        )
      process.exit(failed ? 1 : 0)
    })
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  for (const s of signals) process.on(s, handler)
  return () => {
    for (const s of signals) process.off(s, handler)
  }
}
