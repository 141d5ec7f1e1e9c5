import { errorCode, errorMessage } from './errors.ts'
import type { SinkMetrics } from './metrics.ts'
import { SinkState, type SinkHealth } from './sink-health.ts'

/** What the status is told by the parts it does not own. */
export interface SinkStatusOptions {
  readonly metrics: SinkMetrics
  readonly labels: { readonly sink: string; readonly target: string }
  /** Whether the broker answers the group (see BrokerWatch). */
  readonly brokerReachable: () => boolean
  /** Records buffered, not yet written. */
  readonly buffered: () => number
}

/**
 * A sink's state and last error, and the health and `up` metric made from them: the one place that
 * says whether the sink is ready. The parts that run the sink set the state; nobody else computes it.
 */
export class SinkStatus {
  state: SinkState = SinkState.STARTING
  lastError: unknown
  /** Wall-clock time of the last offset commit, if any. */
  lastCommitAt: number | undefined

  constructor(private readonly options: SinkStatusOptions) {}

  /**
   * Whether delivered records are buffered: running, or retrying a write (the records keep coming while
   * a batch is retried; the consumer has moved past them, so they must be buffered, not dropped).
   */
  get accepting(): boolean {
    return this.state === SinkState.RUNNING || this.state === SinkState.RETRYING
  }

  health(): SinkHealth {
    const error = this.lastError
    // A sink that cannot reach its group's coordinator can neither consume nor commit.
    const state =
      this.state === SinkState.RUNNING && !this.options.brokerReachable() ? SinkState.RETRYING : this.state
    return {
      live: this.state !== SinkState.STOPPED && this.state !== SinkState.FAILED,
      ready: state === SinkState.RUNNING,
      state,
      buffered: this.options.buffered(),
      ...(this.lastCommitAt === undefined ? {} : { lastCommitAt: this.lastCommitAt }),
      ...(error === undefined ? {} : { lastError: { code: errorCode(error), message: errorMessage(error) } }),
    }
  }

  /** `up` is what readiness says. */
  publishUp(): void {
    this.options.metrics.up.set(this.options.labels, this.health().ready ? 1 : 0)
  }

  /** Stopped or failed: `up` 0 whatever the state says. */
  publishDown(): void {
    this.options.metrics.up.set(this.options.labels, 0)
  }

  /** A transient failure: not ready (and not up) until the retried call succeeds. */
  retrying(error: unknown): void {
    this.lastError = error
    if (this.state !== SinkState.RUNNING) return
    this.state = SinkState.RETRYING
    this.publishUp()
  }

  /** The retried call succeeded: ready again, if it was retrying; says whether it was. */
  recovered(): boolean {
    if (this.state !== SinkState.RETRYING) return false
    this.state = SinkState.RUNNING
    this.publishUp()
    return true
  }
}
