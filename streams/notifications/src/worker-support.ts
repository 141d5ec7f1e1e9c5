/** What the worker reads off an error, whichever client or provider threw it. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : 'OXA_UNKNOWN'
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | undefined)?.retriable === true
}

/** Sleeps, cut short when any of the signals aborts. */
export function sleep(ms: number, signals: readonly AbortSignal[]): Promise<void> {
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
