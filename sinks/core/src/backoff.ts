/** Retry policy for transient target failures. */
export interface RetryOptions {
  /**
   * Attempts in all, the first included, after which the sink stops without committing; or `forever`
   * (Kafka Connect's errors.retry.timeout=-1), so a store that is down for a while never stops the sink:
   * it reports not ready while it retries, and goes on from where it was when the store is back.
   */
  readonly attempts: number | 'forever'
  /** Delay before the second attempt; doubles for each further one. */
  readonly baseMs: number
  /** Upper bound of one delay. */
  readonly maxMs: number
}

/**
 * Exponential backoff with full jitter (a uniform delay between half and all of the exponential
 * bound), so sinks restarted together do not hammer a recovering database in step.
 * `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exponential / 2 + (random() * exponential) / 2)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
