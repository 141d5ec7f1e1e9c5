export interface EventuallyOptions {
  readonly timeoutMs: number
  /** Between probes; 200 ms unless said. */
  readonly intervalMs?: number
  /** What is awaited, for the error. */
  readonly what?: string
  /** Where things stood, added to the error as JSON: what to look at when it never came. */
  readonly state?: () => unknown
}

/**
 * Probes until `probe` returns a value other than undefined, and returns it. A probe that throws counts
 * as "not yet" (a service still starting); past the timeout the error names what was awaited, the last
 * error and the state.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      const because = last === undefined ? '' : ` (last error: ${String(last)})`
      const state = options.state === undefined ? '' : `; state: ${JSON.stringify(options.state())}`
      throw new Error(`${options.what ?? 'nothing'}: not within ${options.timeoutMs} ms${because}${state}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200))
  }
}
