import type { Logger } from 'pino'
import { errorMessage, errorRetriable, sleepUnlessAborted } from '../worker-support.ts'
import type { WorkerSettings } from './options.ts'

// A worker's external call (a payment provider, a channel provider): made until it answers, an
// outage waited out with capped exponential back-off while the partition waits and the member keeps
// its place in the group.

/** The answer of an external call that could not be made now: retried. */
export interface CallUnavailable {
  readonly status: 'unavailable'
  readonly message: string
}

/** One external call, as the service's handler describes it. */
export interface ExternalCall<A extends { readonly status: string }> {
  /** Makes one attempt. A thrown retriable error counts as unavailable; any other fails the worker. */
  attempt(): Promise<A>
  /** The error health reports while the call is retried (the service's own code). */
  unavailableError(message: string): Error
  /** After each attempt: its status (`error` when it threw) and how long it took; for metrics. */
  observe?(outcome: string, seconds: number): void
  /** Before each wait; for metrics. */
  retrying?(attempt: number, delayMs: number): void
  /** Fields naming the call in log lines. */
  readonly describe?: Readonly<Record<string, unknown>>
}

/** The answers of a call other than unavailable. */
export type Answered<A extends { readonly status: string }> = Exclude<A, { readonly status: 'unavailable' }>

/** What became of a call: answered, given up after `attempts`, or stopped (the worker failed or the partition moved). */
export type CallResult<A extends { readonly status: string }> =
  | {
      readonly kind: 'answered'
      readonly answer: Answered<A>
      readonly attempts: number
    }
  | { readonly kind: 'exhausted'; readonly reason: string; readonly attempts: number }
  | { readonly kind: 'stopped' }

/** What the call needs of the worker running it. */
export interface CallContext {
  readonly settings: WorkerSettings
  readonly logger: Logger
  /** Signals that cut a wait short: the worker stopping, the partition taken away. */
  signals(): readonly AbortSignal[]
  /** Whether the partition is still this worker's and the worker still running. */
  canProcess(): boolean
  heartbeat(): Promise<void>
  /** Writes what the batch holds so far; false when the partition moved or the worker failed. */
  flush(): Promise<boolean>
  /** The call is unavailable: the worker is not ready, with this error. */
  retrying(error: Error): void
  /** The call is over (answered, or given up): the worker is ready again. */
  settled(attempts: number): void
  fail(error: unknown): void
}

const HEARTBEAT_SLICE_MS = 1000

export async function callWithRetry<A extends { readonly status: string }>(
  call: ExternalCall<A>,
  ctx: CallContext,
): Promise<CallResult<A>> {
  const { baseMs, maxMs, attempts } = ctx.settings
  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    let outcome: A | CallUnavailable
    try {
      outcome = await call.attempt()
      call.observe?.(outcome.status, (performance.now() - started) / 1000)
    } catch (error) {
      call.observe?.('error', (performance.now() - started) / 1000)
      if (!errorRetriable(error)) {
        ctx.fail(error)
        return { kind: 'stopped' }
      }
      outcome = { status: 'unavailable', message: errorMessage(error) }
    }
    if (!isUnavailable(outcome)) {
      ctx.settled(attempt)
      return { kind: 'answered', answer: outcome as Answered<A>, attempts: attempt }
    }
    const reason = outcome.message
    ctx.retrying(call.unavailableError(reason))
    if (attempt >= attempts) {
      ctx.settled(attempt)
      return { kind: 'exhausted', reason, attempts: attempt }
    }
    const delayMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1))
    call.retrying?.(attempt, delayMs)
    // What the batch holds is written before waiting: the outage may last.
    if (attempt === 1 && !(await ctx.flush())) return { kind: 'stopped' }
    ctx.logger.warn(
      { ...call.describe, attempt, delayMs, message: reason },
      'external call unavailable: retrying (the partition waits)',
    )
    await pause(delayMs, ctx)
    if (!ctx.canProcess()) {
      ctx.logger.warn({ ...call.describe }, 'stopped while retrying: the record stays uncommitted')
      return { kind: 'stopped' }
    }
  }
}

function isUnavailable(outcome: { readonly status: string }): outcome is CallUnavailable {
  return outcome.status === 'unavailable'
}

/** The back-off, in slices with a heartbeat after each so the member stays in its group. */
async function pause(ms: number, ctx: CallContext): Promise<void> {
  const signals = ctx.signals()
  const until = performance.now() + ms
  for (let left = ms; left > 0 && ctx.canProcess(); left = until - performance.now()) {
    await sleepUnlessAborted(Math.min(left, HEARTBEAT_SLICE_MS), signals)
    await ctx.heartbeat().catch((e: unknown) => ctx.logger.debug({ err: e }, 'heartbeat failed'))
  }
}
