import type { Logger } from 'pino'
import { KAFKA_ERROR_CODES } from '@oxagry/kafka'
import { backoffDelay, sleep, type RetryOptions } from './backoff.ts'
import { SINK_ERROR_CODES, SinkError, errorCode, errorMessage, isRetriable } from './errors.ts'
import type { SinkMetrics } from './metrics.ts'

/** How long a backoff sleep lasts between heartbeats; kafkajs sends one only when its interval is due. */
const HEARTBEAT_SLICE_MS = 1000

/** The codes a call retried until its budget ran out ends with. */
export type ExhaustedCode =
  | typeof SINK_ERROR_CODES.RETRIES_EXHAUSTED
  | typeof SINK_ERROR_CODES.DEAD_LETTER
  | typeof SINK_ERROR_CODES.COMMIT

export interface RetryPolicyOptions {
  readonly retry: RetryOptions
  readonly metrics: SinkMetrics
  readonly labels: { readonly sink: string; readonly target: string }
  readonly logger: Logger
  /** Aborted by stop(): a backoff sleep ends at once and the retry gives up with STOPPED. */
  readonly stopped: AbortSignal
  /** Aborted when the consumer that delivered the batch gave up: the retry gives up with the error. */
  readonly lost: () => AbortSignal
  /** Keeps the member in its group between attempts; never throws. */
  readonly heartbeat: () => Promise<void>
  /** Told before each backoff: not ready until the call succeeds. */
  readonly onRetrying: (error: unknown) => void
  /** Told when a call succeeded after failing. */
  readonly onRecovered: (what: string, attempts: number) => void
}

/**
 * Kafka Connect's RetryWithToleranceOperator for the sink's calls (write, dead letters, commit):
 * transient failures are retried with backoff, forever or for `retry.attempts`; a permanent one is
 * rethrown at once.
 */
export class RetryPolicy {
  constructor(private readonly options: RetryPolicyOptions) {}

  async run<R>(what: string, fn: (attempt: number) => Promise<R>, exhaustedCode: ExhaustedCode): Promise<R> {
    const { retry, stopped, labels } = this.options
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await fn(attempt)
        if (attempt > 1) this.options.onRecovered(what, attempt)
        return result
      } catch (error) {
        if (!isRetriable(error)) throw error
        const code = errorCode(error)
        if (retry.attempts !== 'forever' && attempt >= retry.attempts) {
          throw new SinkError(
            exhaustedCode,
            `${what}: gave up after ${attempt} attempts: ${errorMessage(error)}`,
            {
              cause: error,
              retriable: true,
              context: { target: labels.target },
            },
          )
        }
        const lost = this.options.lost()
        if (lost.aborted) throw error
        if (!stopped.aborted) {
          this.options.onRetrying(error)
          this.options.metrics.retries.inc({ ...labels, code })
          const delay = backoffDelay(attempt, retry)
          this.options.logger.warn(
            { what, attempt, delayMs: delay, code, err: error },
            'transient failure: retrying',
          )
          await this.pause(delay, lost)
          if (lost.aborted) throw error
        }
        if (stopped.aborted) {
          throw new SinkError(
            SINK_ERROR_CODES.STOPPED,
            `${what}: stopped while retrying after ${attempt} attempts: ${errorMessage(error)}`,
            { cause: error, retriable: true, context: { target: labels.target } },
          )
        }
      }
    }
  }

  /**
   * The backoff sleep, in slices with a heartbeat after each, so a long retry inside eachBatch keeps
   * the member in its group; stop() ends it at once.
   */
  private async pause(ms: number, lost: AbortSignal): Promise<void> {
    const until = performance.now() + ms
    const signal = AbortSignal.any([this.options.stopped, lost])
    await this.options.heartbeat()
    for (let left = ms; left > 0 && !signal.aborted; left = until - performance.now()) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), signal)
      await this.options.heartbeat()
    }
  }
}

/**
 * Whether a commit that failed (after its retries) can be left for a later one. The group moved on (a
 * rebalance, or this member timed out of it), as Kafka Connect's CommitFailedException: the batch is
 * durable but uncommitted, so whoever owns its partitions next gets it again and writes it again, which
 * the targets take idempotently. The same for a broker failure retrying cannot help, such as kafkajs
 * refusing a commit while it restarts its consumer after an outage ("Consumer group was not
 * initialized"): Kafka Connect logs a failed commit and goes on, the next commit covers this batch's
 * offsets, and a restart before it re-delivers the batch.
 */
export function commitRefusedForGood(error: unknown): boolean {
  const code = errorCode(error)
  return code === KAFKA_ERROR_CODES.REBALANCED || (code === KAFKA_ERROR_CODES.BROKER && !isRetriable(error))
}
