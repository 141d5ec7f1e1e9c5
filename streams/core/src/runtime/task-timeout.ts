import { KAFKA_ERROR_CODES, KafkaError } from '@oxagry/kafka'
import { errorMessage, STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { ResolvedConfig } from './config.ts'

/**
 * A broker that is away or slow, as opposed to one that refused: the client's retriable broker error
 * (Kafka's RetriableException, its TimeoutException among them). The thread rides it out; fencing and
 * rebalances have their own paths (`isTaskMigration`), and anything else is fatal.
 */
export function isTransient(error: unknown): boolean {
  return (
    (error instanceof KafkaError && error.code === KAFKA_ERROR_CODES.BROKER && error.retriable) ||
    (error instanceof StreamsError && error.code === STREAMS_ERROR_CODES.BROKER && error.retriable)
  )
}

/**
 * Kafka Streams' `task.timeout.ms` (KIP-572) with its retry backoff, for the thread as a whole: the
 * first transient failure starts the clock, each one after it waits twice as long (up to
 * `retryBackoffMaxMs`) before the tasks are tried again, and progress (a commit that went through)
 * stops the clock. A failure once the clock passed `taskTimeoutMs` is fatal.
 */
export class TaskTimeout {
  private since: number | undefined
  private attempts = 0

  constructor(
    private readonly config: Pick<ResolvedConfig, 'taskTimeoutMs' | 'retryBackoffMs' | 'retryBackoffMaxMs'>,
  ) {}

  /** Whether a transient failure is being ridden out now. */
  get failing(): boolean {
    return this.since !== undefined
  }

  /**
   * Counts a transient failure; returns how long to wait before trying again, or throws
   * `OXA_STREAMS_TASK_TIMEOUT` (caused by `error`) when there has been no progress for too long.
   */
  failed(error: unknown, now: number = Date.now()): number {
    this.since ??= now
    const { taskTimeoutMs, retryBackoffMs, retryBackoffMaxMs } = this.config
    if (now - this.since >= taskTimeoutMs) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.TASK_TIMEOUT,
        `no progress for ${now - this.since} ms (taskTimeoutMs ${taskTimeoutMs}): ${errorMessage(error)}`,
        { cause: error },
      )
    }
    const delay = Math.min(retryBackoffMaxMs, retryBackoffMs * 2 ** Math.min(this.attempts, 30))
    this.attempts++
    return delay
  }

  /** Progress: the next transient failure starts a new clock. */
  progressed(): void {
    this.since = undefined
    this.attempts = 0
  }
}
