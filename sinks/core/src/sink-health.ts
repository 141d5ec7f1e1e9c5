import type { SinkMetrics } from './metrics.ts'

export const SinkState = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  /**
   * A write (or dead letter, or commit) failed transiently and is being retried, the broker does not
   * answer the group, or the consumer gave up and a new one is being started: not ready.
   */
  RETRYING: 'RETRYING',
  STOPPING: 'STOPPING',
  STOPPED: 'STOPPED',
  /** Retries or dead letters failed: nothing past the last commit was acknowledged; restart the process. */
  FAILED: 'FAILED',
} as const
export type SinkState = (typeof SinkState)[keyof typeof SinkState]

export interface SinkHealth {
  /** Consuming, retrying, or about to; false once stopped or failed. */
  readonly live: boolean
  /** Consuming and writing: false while a failure is being retried or the broker does not answer. */
  readonly ready: boolean
  readonly state: SinkState
  /** Records buffered, not yet written. */
  readonly buffered: number
  /** Wall-clock time of the last offset commit, if any. */
  readonly lastCommitAt?: number
  readonly lastError?: { readonly code: string; readonly message: string }
}

export interface SinkHandle {
  /** Flushes what is buffered, commits, leaves the group and closes the target, within the bound. */
  stop(): Promise<void>
  health(): SinkHealth
  /** Resolves once the sink stopped or failed, with the state it ended in; never rejects. */
  readonly closed: Promise<{ readonly state: SinkState; readonly error?: unknown }>
  readonly metrics: SinkMetrics
}
