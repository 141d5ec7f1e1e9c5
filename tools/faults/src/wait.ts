import { setTimeout as sleep } from 'node:timers/promises'
import { FAULTS_ERROR_CODES, FaultsError } from './errors.ts'

export { sleep }

/** Polls until `check` gives a value, or fails naming what did not happen within the bound. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new FaultsError(FAULTS_ERROR_CODES.NOT_SETTLED, `${what}: not within ${options.timeoutMs} ms`, {
        canRetry: true,
      })
    await sleep(options.intervalMs ?? 250)
  }
}
