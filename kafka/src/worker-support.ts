// What a consuming worker (the payment gateway, the notifications channel worker) reads off an error,
// whichever client or provider threw it, and how it waits: one definition for every worker.

/** The error's `code`, or `OXA_UNKNOWN` when it has none. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : 'OXA_UNKNOWN'
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Whether the error says trying again may work (`retriable: true`, as every typed error of ours says). */
export function errorRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | undefined)?.retriable === true
}

/** Sleeps, cut short when any of the signals aborts. */
export function sleepUnlessAborted(ms: number, signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((done) => {
    if (signals.some((s) => s.aborted)) return done()
    const finish = (): void => {
      clearTimeout(timer)
      for (const s of signals) s.removeEventListener('abort', finish)
      done()
    }
    const timer = setTimeout(finish, ms)
    for (const s of signals) s.addEventListener('abort', finish, { once: true })
  })
}
