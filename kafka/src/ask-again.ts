import type { KafkaError } from './errors.ts'

export interface AskAgainOptions {
  /** How long a "not yet" answer is asked again before it is the error. */
  readonly boundMs?: number
  readonly pauseMs?: number
  /** Which failures mean "not yet" rather than "no". */
  readonly notYet: (error: unknown) => boolean
  /** The typed error a failure becomes, naming what was asked. */
  readonly toError: (what: string, error: unknown) => KafkaError
}

/**
 * Calls the broker until it answers, asking again while the answer is "not yet" (a topic created a
 * moment ago whose leader is not taken up, a group coordinator still loading) and the bound has not
 * passed; any other failure, or the last "not yet", is a typed error naming what was asked.
 */
export async function askAgain<T>(
  what: string,
  call: () => Promise<T>,
  { boundMs = 15_000, pauseMs = 250, notYet, toError }: AskAgainOptions,
): Promise<T> {
  const deadline = Date.now() + boundMs
  for (;;) {
    try {
      return await call()
    } catch (error) {
      if (!notYet(error) || Date.now() + pauseMs > deadline) throw toError(what, error)
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
}
