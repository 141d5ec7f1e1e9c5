import type { BrokerRecord } from '@oxagry/kafka'

/** What a target is told about the batch it writes. */
export interface WriteContext {
  /**
   * Deterministic for the same records: `<topic>:<partition>:<first>-<last>` joined by `,` in
   * topic/partition order. A batch retried after an error or re-delivered after a crash, cut at the
   * same offsets, has the same id: targets use it as an idempotency token (ClickHouse
   * insert_deduplication_token).
   */
  readonly batchId: string
  /** 1 for the first attempt of this batch in this process. */
  readonly attempt: number
  /** The records the items came from, in the same order as the items (one record may yield several items). */
  readonly records: readonly BrokerRecord[]
}

/**
 * Where a sink writes. `write` resolves only when the items are durable; the sink commits the offsets
 * after that, so a crash re-delivers them and a target must be idempotent (guarded upserts, replacing
 * tables keyed on the event's identity, deduplication tokens).
 *
 * Failures: throw a `SinkError` made with `transientError` (retried with backoff) or `permanentError`
 * (the data is at fault: the sink writes the records one by one to find the culprits and dead-letters
 * them). Other errors are classified by their `retriable` flag, transient when they have none.
 */
export interface SinkTarget<T> {
  /** Names the target in logs, metrics and dead letters, e.g. `mongodb:machines`. */
  readonly name: string
  /**
   * What suits the store when a delivery caught up with its partition and the sink's options do not
   * say (`BatchOptions.whenCaughtUp`): `'wait'` for a store that wants few large writes. Default
   * `'write'`.
   */
  readonly whenCaughtUp?: 'write' | 'wait'
  /** Called once before the consumer starts: connections, DDL, indexes. */
  start?(): Promise<void>
  write(items: readonly T[], context: WriteContext): Promise<void>
  /** Called once after the last write. */
  close?(): Promise<void>
}
