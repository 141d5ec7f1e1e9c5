import type { Logger } from 'pino'
import type { BackendConsumer, BackendProducer, Batch, BrokerRecord, ProducedRecord } from '@oxagry/kafka'
import { batchIdOf, nextOffsets } from './batch-ids.ts'
import { endBatchSpan, startBatchSpan } from './batch-span.ts'
import { deadLetterRecord } from './dead-letter.ts'
import { SINK_ERROR_CODES, errorCode, isRetriable } from './errors.ts'
import type { SinkMetrics } from './metrics.ts'
import type { ResolvedSinkOptions } from './options.ts'
import { commitRefusedForGood, type RetryPolicy } from './retry-policy.ts'
import { SinkState } from './sink-health.ts'
import type { SinkStatus } from './sink-status.ts'
import type { WriteContext } from './target.ts'

/** One buffered record: the items it decoded to, or why it did not decode. */
type Entry<T> =
  | { readonly kind: 'decoded'; readonly record: BrokerRecord; readonly items: readonly T[] }
  | { readonly kind: 'undecodable'; readonly record: BrokerRecord; readonly error: unknown }
  | { readonly kind: 'skipped'; readonly record: BrokerRecord }
type Decoded<T> = Extract<Entry<T>, { kind: 'decoded' }>

export interface SinkTaskOptions<T> {
  readonly options: ResolvedSinkOptions<T>
  readonly status: SinkStatus
  readonly retry: RetryPolicy
  readonly metrics: SinkMetrics
  readonly labels: { readonly sink: string; readonly target: string }
  readonly logger: Logger
  /** The consumer that commits, and the producer of dead letters: open while batches flow. */
  readonly consumer: () => BackendConsumer | undefined
  readonly producer: () => BackendProducer | undefined
  /** Aborted when the consumer that delivered what is buffered gave up. */
  readonly lost: () => AbortSignal
  /** A batch failed for good: the sink fails without committing it. */
  readonly onFailed: (error: unknown, batchId: string) => void
}

/**
 * Kafka Connect's WorkerSinkTask loop: buffers decoded records, flushes by size or time (or at once
 * when a delivery caught up with its partition), writes each
 * batch to the target, dead-letters what cannot be decoded or written, and commits the offsets only
 * once the write and the dead letters are durable.
 */
export class SinkTask<T> {
  private buffer: Entry<T>[] = []
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()
  /** The heartbeat of the latest delivered batch: kept alive between retries. */
  private heartbeat: (() => Promise<void>) | undefined
  /** stop() interrupted a retried batch: nothing more may be committed past it. */
  abandoned = false

  constructor(private readonly task: SinkTaskOptions<T>) {}

  /** Records buffered, not yet written. */
  get buffered(): number {
    return this.buffer.length
  }

  /** Resolves once the flush in hand (if any) ended. */
  idle(): Promise<void> {
    return this.chain
  }

  /**
   * Decodes and buffers a delivered batch; flushes (and waits) each time the buffer is full. Only while
   * accepting: once stopping, the final flush has the buffer and what arrives later is left uncommitted,
   * to be delivered again.
   */
  async accept(batch: Batch): Promise<void> {
    const { status } = this.task
    this.heartbeat = () => batch.heartbeat()
    for (const record of batch.records) {
      if (!status.accepting) return
      const entry = await this.decode(record)
      if (!status.accepting) return
      this.task.metrics.recordsConsumed.inc({ sink: this.task.labels.sink, topic: record.topic })
      this.buffer.push(entry)
      if (this.buffer.length === 1 && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined
          void this.flush().catch(() => {})
        }, this.task.options.batch.maxWaitMs)
      }
      if (this.buffer.length >= this.task.options.batch.maxRecords) {
        // A failure is recorded in the state; the consumer must not see it, or kafkajs would retry.
        await this.flush().catch(() => {})
      }
    }
    // Nothing more was waiting on the partition: the linger would only delay the write. The consumer
    // goes on fetching meanwhile; flushes run one after another.
    if (batch.caughtUp === true && this.task.options.batch.whenCaughtUp === 'write' && this.buffer.length > 0)
      void this.flush().catch(() => {})
  }

  /** Heartbeats for the latest delivered batch, so a long retry keeps the member in its group. */
  async beat(): Promise<void> {
    await this.heartbeat?.().catch((e: unknown) => this.task.logger.debug({ err: e }, 'heartbeat failed'))
  }

  /** What is buffered was read by a consumer that is gone (or the sink failed): it is read again. */
  dropBuffer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.buffer = []
  }

  /** Writes, dead-letters and commits what is buffered now; flushes run one after another. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushNow())
    this.chain = run.catch(() => {})
    return run
  }

  private async decode(record: BrokerRecord): Promise<Entry<T>> {
    try {
      const decoded = await this.task.options.decode(record)
      if (decoded === null) {
        this.task.metrics.recordsSkipped.inc({ sink: this.task.labels.sink, topic: record.topic })
        return { kind: 'skipped', record }
      }
      const items = Array.isArray(decoded) ? (decoded as readonly T[]) : [decoded as T]
      return { kind: 'decoded', record, items }
    } catch (error) {
      return { kind: 'undecodable', record, error }
    }
  }

  private async flushNow(): Promise<void> {
    const { status, metrics, labels, logger, retry } = this.task
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (status.state === SinkState.FAILED || this.abandoned) this.buffer = []
    if (this.buffer.length === 0) return
    const entries = this.buffer
    this.buffer = []
    const lost = this.task.lost()
    const records = entries.map((e) => e.record)
    const started = performance.now()
    const batchId = batchIdOf(records)
    const span = startBatchSpan(labels.sink, labels.target, batchId, records)
    try {
      const deadLetters: ProducedRecord[] = []
      for (const e of entries) {
        if (e.kind === 'undecodable')
          deadLetters.push(await this.deadLetter(e.record, 'DESERIALIZATION', e.error))
      }
      const decoded = entries.filter((e): e is Decoded<T> => e.kind === 'decoded')
      deadLetters.push(...(await this.write(decoded, batchId)))
      if (deadLetters.length > 0) {
        await retry.run(
          'dead letters',
          () => this.task.producer()!.send(deadLetters),
          SINK_ERROR_CODES.DEAD_LETTER,
        )
      }
      const offsets = nextOffsets(records)
      try {
        await retry.run('commit', () => this.task.consumer()!.commit(offsets), SINK_ERROR_CODES.COMMIT)
        status.lastCommitAt = Date.now()
        metrics.commits.inc({ sink: labels.sink })
      } catch (error) {
        if (!commitRefusedForGood(error)) throw error
        logger.warn(
          { batchId, records: records.length, err: error },
          'commit refused: the batch is written but uncommitted; a later commit covers it, or it is written again',
        )
      }
      metrics.batchSize.observe(labels, records.length)
      metrics.batchLatency.observe({ ...labels, result: 'ok' }, (performance.now() - started) / 1000)
      logger.debug({ batchId, records: records.length, deadLetters: deadLetters.length }, 'batch committed')
      if (deadLetters.length > 0) span.setAttribute('oxagry.sink.dead_letters', deadLetters.length)
      endBatchSpan(span)
    } catch (error) {
      endBatchSpan(span, error)
      metrics.batchLatency.observe({ ...labels, result: 'failed' }, (performance.now() - started) / 1000)
      if (status.state === SinkState.STOPPING && errorCode(error) === SINK_ERROR_CODES.STOPPED)
        this.abandon(error, batchId)
      else if (lost.aborted)
        logger.warn(
          { batchId, records: records.length, err: error },
          'the consumer that read this batch gave up: left uncommitted for the next one to read again',
        )
      else this.task.onFailed(error, batchId)
      throw error
    }
  }

  /** Writes the decoded entries; returns the dead letters of the records the target refused. */
  private async write(entries: readonly Decoded<T>[], batchId: string): Promise<ProducedRecord[]> {
    const items = entries.flatMap((e) => e.items)
    if (items.length === 0) return []
    const records = entries.map((e) => e.record)
    try {
      await this.writeWithRetry(items, batchId, records)
      return []
    } catch (error) {
      if (isRetriable(error)) throw error
      this.task.logger.warn(
        { batchId, code: errorCode(error), err: error },
        'target refused the batch: writing its records one by one to find the culprits',
      )
    }
    const deadLetters: ProducedRecord[] = []
    for (const entry of entries) {
      if (entry.items.length === 0) continue
      try {
        await this.writeWithRetry(entry.items, batchIdOf([entry.record]), [entry.record])
      } catch (error) {
        if (isRetriable(error)) throw error
        deadLetters.push(await this.deadLetter(entry.record, 'OTHER', error))
      }
    }
    return deadLetters
  }

  private async writeWithRetry(items: readonly T[], batchId: string, records: readonly BrokerRecord[]) {
    await this.task.retry.run(
      `write ${batchId}`,
      (attempt) => {
        const context: WriteContext = { batchId, attempt, records }
        return this.task.options.target.write(items, context)
      },
      SINK_ERROR_CODES.RETRIES_EXHAUSTED,
    )
    this.task.metrics.rowsWritten.inc(this.task.labels, items.length)
  }

  private async deadLetter(record: BrokerRecord, stage: 'DESERIALIZATION' | 'OTHER', error: unknown) {
    const code = errorCode(error)
    const { labels } = this.task
    this.task.metrics.deadLetters.inc({ ...labels, stage, code })
    this.task.logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, stage, code, err: error },
      'record dead-lettered',
    )
    return deadLetterRecord(this.task.options.deadLetter, record, stage, error, {
      sink: labels.sink,
      target: labels.target,
      now: Date.now(),
    })
  }

  /** stop() cut a retry short: the batch stays uncommitted (a restart re-delivers it), and so does all after it. */
  private abandon(error: unknown, batchId: string): void {
    this.abandoned = true
    this.task.status.lastError = error
    this.buffer = []
    this.task.logger.warn({ err: error, batchId }, 'stopped while retrying: the batch is left uncommitted')
  }
}
