import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import {
  KAFKA_ERROR_CODES,
  tpKey,
  type BackendAdmin,
  type BackendConsumer,
  type BackendProducer,
  type Batch,
  type BrokerRecord,
  type PartitionOffset,
  type ProducedRecord,
  type TopicPartition,
} from '@oxagry/kafka'
import { backoffDelay, sleep } from './backoff.ts'
import { BrokerWatch } from './broker-watch.ts'
import { endBatchSpan, startBatchSpan } from './batch-span.ts'
import { deadLetterRecord } from './dead-letter.ts'
import { SINK_ERROR_CODES, SinkError, errorCode, errorMessage, isRetriable } from './errors.ts'
import { SinkMetrics } from './metrics.ts'
import { resolveSinkOptions, type ResolvedSinkOptions, type SinkOptions } from './options.ts'
import type { WriteContext } from './target.ts'

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

/** One buffered record: the items it decoded to, or why it did not decode. */
type Entry<T> =
  | { readonly kind: 'decoded'; readonly record: BrokerRecord; readonly items: readonly T[] }
  | { readonly kind: 'undecodable'; readonly record: BrokerRecord; readonly error: unknown }
  | { readonly kind: 'skipped'; readonly record: BrokerRecord }

/** `topic:partition:first-last` per partition, sorted: the same records give the same id. */
export function batchIdOf(records: readonly BrokerRecord[]): string {
  const ranges = new Map<string, { first: bigint; last: bigint }>()
  for (const r of records) {
    const key = tpKey(r.topic, r.partition)
    const offset = BigInt(r.offset)
    const range = ranges.get(key)
    if (range === undefined) ranges.set(key, { first: offset, last: offset })
    else {
      if (offset < range.first) range.first = offset
      if (offset > range.last) range.last = offset
    }
  }
  return [...ranges]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { first, last }]) => `${key}:${first}-${last}`)
    .join(',')
}

/** The offsets to commit after these records: the next offset per partition. */
export function nextOffsets(records: readonly BrokerRecord[]): PartitionOffset[] {
  const next = new Map<string, PartitionOffset>()
  for (const r of records) {
    const key = tpKey(r.topic, r.partition)
    const offset = BigInt(r.offset) + 1n
    const current = next.get(key)
    if (current === undefined || BigInt(current.offset) < offset)
      next.set(key, { topic: r.topic, partition: r.partition, offset: String(offset) })
  }
  return [...next.values()]
}

/** How long a backoff sleeps between heartbeats; kafkajs sends one only when its interval is due. */
const HEARTBEAT_SLICE_MS = 1000

class Sink<T> implements SinkHandle {
  readonly metrics: SinkMetrics
  readonly closed: Promise<{ state: SinkState; error?: unknown }>
  private state: SinkState = SinkState.STARTING
  private buffer: Entry<T>[] = []
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()
  private lagTimer: NodeJS.Timeout | undefined
  private readonly assigned = new Map<string, TopicPartition>()
  private readonly logger: Logger
  private readonly labels: { sink: string; target: string }
  private consumer: BackendConsumer | undefined
  private producer: BackendProducer | undefined
  private admin: BackendAdmin | undefined
  private lastCommitAt: number | undefined
  private lastError: unknown
  private stopping: Promise<void> | undefined
  /** Aborted by stop(): a backoff sleep ends at once and the retry gives up. */
  private readonly abort = new AbortController()
  /** The heartbeat of the latest delivered batch: kept alive between retries. */
  private heartbeat: (() => Promise<void>) | undefined
  /** stop() interrupted a retried batch: nothing more may be committed past it. */
  private abandoned = false
  private settle: (result: { state: SinkState; error?: unknown }) => void = () => {}
  /**
   * Aborted when the consumer gave up on a transient failure: the batch in hand (read by that
   * consumer, uncommitted) is dropped rather than retried, and a new consumer reads it again from the
   * last commit. Replaced with each new consumer.
   */
  private consumerAbort = new AbortController()
  private restarting: Promise<void> | undefined
  private readonly brokerWatch: BrokerWatch

  constructor(private readonly options: ResolvedSinkOptions<T>) {
    this.metrics = new SinkMetrics(options.metricsRegistry ?? new Registry())
    this.logger = (options.logger ?? pino({ name: 'oxagry-sink' })).child({
      sink: options.groupId,
      target: options.target.name,
    })
    this.labels = { sink: options.groupId, target: options.target.name }
    this.closed = new Promise((resolve) => (this.settle = resolve))
    this.brokerWatch = new BrokerWatch({
      probe: () => this.probeBroker(),
      intervalMs: options.brokerProbeIntervalMs,
      unreachableAfterMs: options.brokerUnreachableAfterMs,
      onChange: (reachable, error) => {
        if (reachable) this.logger.info('the broker answers the group again')
        else {
          this.lastError = new SinkError(
            SINK_ERROR_CODES.BROKER_UNREACHABLE,
            `no answer from the group coordinator for ${options.brokerUnreachableAfterMs} ms` +
              (error === undefined ? '' : `: ${errorMessage(error)}`),
            { cause: error, retriable: true, context: { target: this.labels.target } },
          )
          this.logger.warn({ err: this.lastError }, 'the broker does not answer the group: not ready')
        }
        this.publishUp()
      },
    })
  }

  /** Opens the target, producer, admin and consumer; on a failure closes them again and throws START. */
  async start(): Promise<void> {
    try {
      await this.open()
    } catch (error) {
      const failure = new SinkError(SINK_ERROR_CODES.START, `starting the sink: ${errorMessage(error)}`, {
        cause: error,
        retriable: isRetriable(error),
        context: { target: this.labels.target },
      })
      await this.abandonStart(failure)
      throw failure
    }
  }

  private async open(): Promise<void> {
    const { backend, target } = this.options
    await target.start?.()
    this.producer = await backend.producer({ clientId: `${this.options.clientId}-dead-letters` })
    this.admin = await backend.admin()
    this.state = SinkState.RUNNING
    this.publishUp()
    await this.runConsumer()
    this.brokerWatch.start()
    if (this.options.lagIntervalMs > 0) {
      this.lagTimer = setInterval(() => void this.measureLag(), this.options.lagIntervalMs)
      this.lagTimer.unref()
    }
    this.logger.info({ topics: this.options.topics }, 'sink started')
  }

  /** A new group member for the topics; its handlers ignore it once another has replaced it. */
  private async runConsumer(): Promise<void> {
    const consumer = this.options.backend.consumer({
      groupId: this.options.groupId,
      clientId: this.options.clientId,
      readCommitted: this.options.readCommitted,
    })
    this.consumer = consumer
    const current = (): boolean => this.consumer === consumer
    await consumer.run(this.options.topics, {
      onAssigned: async (partitions) => {
        if (partitions.length === 0 || !current()) return
        for (const p of partitions) this.assigned.set(tpKey(p.topic, p.partition), p)
        this.logger.info({ partitions }, 'partitions assigned')
      },
      onRevoked: async (partitions) => {
        if (!current()) return
        // Whatever is buffered is written and committed while this member still owns it.
        await this.flush().catch(() => {})
        for (const p of partitions) {
          this.assigned.delete(tpKey(p.topic, p.partition))
          this.metrics.consumerLag.remove({ sink: this.labels.sink, topic: p.topic, partition: p.partition })
        }
      },
      eachBatch: (batch) => (current() ? this.accept(batch) : Promise.resolve()),
      onFailed: (error) => {
        if (current()) this.consumerFailed(error)
      },
    })
  }

  /**
   * The consumer gave up. On a failure a retry can help (the broker out of reach), as Kafka Connect
   * restarts a task, the sink drops what that consumer delivered and has not committed, and starts a
   * new consumer, with backoff and forever, which reads on from the last commit (the targets take the
   * replay idempotently); not ready meanwhile. On any other, it fails.
   */
  private consumerFailed(error: unknown): void {
    if (!this.accepting) return
    if ((error as { retriable?: unknown } | null)?.retriable !== true) return this.fail(error)
    this.lastError = error
    this.state = SinkState.RETRYING
    this.publishUp()
    this.logger.warn({ err: error }, 'the consumer gave up: starting a new one from the last commit')
    this.consumerAbort.abort()
    this.dropBuffer()
    this.restarting ??= this.restartConsumer().finally(() => (this.restarting = undefined))
  }

  private async restartConsumer(): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      // The flush in hand ends at once (its retries see the abort) without committing.
      await this.chain
      const old = this.consumer
      this.consumer = undefined
      this.assigned.clear()
      await old
        ?.stop()
        .catch((e: unknown) => this.logger.debug({ err: e }, 'stopping the old consumer failed'))
      if (this.abort.signal.aborted) return
      this.consumerAbort = new AbortController()
      this.dropBuffer()
      try {
        await this.runConsumer()
        if (this.state === SinkState.RETRYING) this.state = SinkState.RUNNING
        this.publishUp()
        this.logger.info({ attempt }, 'a new consumer runs: reading on from the last commit')
        return
      } catch (error) {
        this.lastError = error
        const delay = backoffDelay(attempt, this.options.retry)
        this.logger.warn({ attempt, delayMs: delay, err: error }, 'starting a new consumer failed: retrying')
        await sleep(delay, this.abort.signal)
      }
    }
  }

  /** What is buffered was read by a consumer that is gone and is not committed: it is read again. */
  private dropBuffer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.buffer = []
  }

  /** Reads the group's committed offsets: an answer means the coordinator is reachable. */
  private async probeBroker(): Promise<void> {
    const consumer = this.consumer
    if (consumer === undefined)
      throw new SinkError(SINK_ERROR_CODES.BROKER_UNREACHABLE, 'no consumer running')
    const assigned = [...this.assigned.values()]
    await consumer.committed(
      assigned.length > 0 ? assigned : this.options.topics.map((topic) => ({ topic, partition: 0 })),
    )
  }

  /** `up` is what readiness says. */
  private publishUp(): void {
    this.metrics.up.set(this.labels, this.health().ready ? 1 : 0)
  }

  /** Closes whatever `open` got to, the target included (its start may have connected before failing). */
  private async abandonStart(error: SinkError): Promise<void> {
    this.state = SinkState.FAILED
    this.lastError = error
    this.metrics.up.set(this.labels, 0)
    this.brokerWatch.stop()
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer)
    this.logger.error({ err: error }, 'sink failed to start: closing what was opened')
    const quietly = (what: string) => (e: unknown) => this.logger.warn({ err: e }, `${what} failed`)
    await this.consumer?.stop().catch(quietly('stopping the consumer'))
    await this.producer?.close().catch(quietly('closing the dead-letter producer'))
    await this.admin?.close().catch(quietly('closing the admin'))
    await this.options.target.close?.().catch(quietly('closing the target'))
    this.stopping = Promise.resolve()
    this.settle({ state: this.state, error })
  }

  health(): SinkHealth {
    const error = this.lastError
    // A sink that cannot reach its group's coordinator can neither consume nor commit.
    const state =
      this.state === SinkState.RUNNING && !this.brokerWatch.isReachable ? SinkState.RETRYING : this.state
    return {
      live: this.state !== SinkState.STOPPED && this.state !== SinkState.FAILED,
      ready: state === SinkState.RUNNING,
      state,
      buffered: this.buffer.length,
      ...(this.lastCommitAt === undefined ? {} : { lastCommitAt: this.lastCommitAt }),
      ...(error === undefined ? {} : { lastError: { code: errorCode(error), message: errorMessage(error) } }),
    }
  }

  /**
   * Whether delivered records are buffered: running, or retrying a write (the records keep coming while
   * a batch is retried; the consumer has moved past them, so they must be buffered, not dropped).
   */
  private get accepting(): boolean {
    return this.state === SinkState.RUNNING || this.state === SinkState.RETRYING
  }

  /**
   * Decodes and buffers a delivered batch; flushes (and waits) each time the buffer is full. Only while
   * accepting: once stopping, the final flush has the buffer and what arrives later is left uncommitted,
   * to be delivered again.
   */
  private async accept(batch: Batch): Promise<void> {
    this.heartbeat = () => batch.heartbeat()
    for (const record of batch.records) {
      if (!this.accepting) return
      const entry = await this.decode(record)
      if (!this.accepting) return
      this.metrics.recordsConsumed.inc({ sink: this.labels.sink, topic: record.topic })
      this.buffer.push(entry)
      if (this.buffer.length === 1 && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined
          void this.flush().catch(() => {})
        }, this.options.batch.maxWaitMs)
      }
      if (this.buffer.length >= this.options.batch.maxRecords) {
        // A failure is recorded in the state; the consumer must not see it, or kafkajs would retry.
        await this.flush().catch(() => {})
      }
    }
  }

  private async decode(record: BrokerRecord): Promise<Entry<T>> {
    try {
      const decoded = await this.options.decode(record)
      if (decoded === null) {
        this.metrics.recordsSkipped.inc({ sink: this.labels.sink, topic: record.topic })
        return { kind: 'skipped', record }
      }
      const items = Array.isArray(decoded) ? (decoded as readonly T[]) : [decoded as T]
      return { kind: 'decoded', record, items }
    } catch (error) {
      return { kind: 'undecodable', record, error }
    }
  }

  /** Writes, dead-letters and commits what is buffered now; flushes run one after another. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushNow())
    this.chain = run.catch(() => {})
    return run
  }

  private async flushNow(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.state === SinkState.FAILED || this.abandoned) this.buffer = []
    if (this.buffer.length === 0) return
    const entries = this.buffer
    this.buffer = []
    const consumerAbort = this.consumerAbort
    const records = entries.map((e) => e.record)
    const started = performance.now()
    const batchId = batchIdOf(records)
    const span = startBatchSpan(this.labels.sink, this.labels.target, batchId, records)
    try {
      const deadLetters: ProducedRecord[] = []
      for (const e of entries) {
        if (e.kind === 'undecodable')
          deadLetters.push(await this.deadLetter(e.record, 'DESERIALIZATION', e.error))
      }
      const decoded = entries.filter((e): e is Extract<Entry<T>, { kind: 'decoded' }> => e.kind === 'decoded')
      deadLetters.push(...(await this.write(decoded, batchId)))
      if (deadLetters.length > 0) {
        await this.retrying(
          'dead letters',
          () => this.producer!.send(deadLetters),
          SINK_ERROR_CODES.DEAD_LETTER,
        )
      }
      const offsets = nextOffsets(records)
      try {
        await this.retrying('commit', () => this.consumer!.commit(offsets), SINK_ERROR_CODES.COMMIT)
        this.lastCommitAt = Date.now()
        this.metrics.commits.inc({ sink: this.labels.sink })
      } catch (error) {
        // The group moved on (a rebalance, or this member timed out of it), as Kafka Connect's
        // CommitFailedException: the batch is durable but uncommitted, so whoever owns its partitions
        // next gets it again and writes it again, which the targets take idempotently. The same for a
        // broker failure retrying cannot help, such as kafkajs refusing a commit while it restarts its
        // consumer after an outage ("Consumer group was not initialized"): Kafka Connect logs a failed
        // commit and goes on, the next commit covers this batch's offsets, and a restart before it
        // re-delivers the batch.
        const code = errorCode(error)
        const skippable =
          code === KAFKA_ERROR_CODES.REBALANCED || (code === KAFKA_ERROR_CODES.BROKER && !isRetriable(error))
        if (!skippable) throw error
        this.logger.warn(
          { batchId, records: records.length, err: error },
          'commit refused: the batch is written but uncommitted; a later commit covers it, or it is written again',
        )
      }
      this.metrics.batchSize.observe(this.labels, records.length)
      this.metrics.batchLatency.observe(
        { ...this.labels, result: 'ok' },
        (performance.now() - started) / 1000,
      )
      this.logger.debug(
        { batchId, records: records.length, deadLetters: deadLetters.length },
        'batch committed',
      )
      if (deadLetters.length > 0) span.setAttribute('oxagry.sink.dead_letters', deadLetters.length)
      endBatchSpan(span)
    } catch (error) {
      endBatchSpan(span, error)
      this.metrics.batchLatency.observe(
        { ...this.labels, result: 'failed' },
        (performance.now() - started) / 1000,
      )
      if (this.state === SinkState.STOPPING && errorCode(error) === SINK_ERROR_CODES.STOPPED)
        this.abandon(error, batchId)
      else if (consumerAbort.signal.aborted)
        this.logger.warn(
          { batchId, records: records.length, err: error },
          'the consumer that read this batch gave up: left uncommitted for the next one to read again',
        )
      else this.fail(error, batchId)
      throw error
    }
  }

  /** Writes the decoded entries; returns the dead letters of the records the target refused. */
  private async write(entries: readonly Extract<Entry<T>, { kind: 'decoded' }>[], batchId: string) {
    const items = entries.flatMap((e) => e.items)
    if (items.length === 0) return []
    const records = entries.map((e) => e.record)
    try {
      await this.writeWithRetry(items, batchId, records)
      return []
    } catch (error) {
      if (isRetriable(error)) throw error
      this.logger.warn(
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
    await this.retrying(
      `write ${batchId}`,
      (attempt) => {
        const context: WriteContext = { batchId, attempt, records }
        return this.options.target.write(items, context)
      },
      SINK_ERROR_CODES.RETRIES_EXHAUSTED,
    )
    this.metrics.rowsWritten.inc(this.labels, items.length)
  }

  /** Retries transient failures with backoff; a permanent one is rethrown at once. */
  private async retrying<R>(
    what: string,
    fn: (attempt: number) => Promise<R>,
    exhaustedCode:
      | typeof SINK_ERROR_CODES.RETRIES_EXHAUSTED
      | typeof SINK_ERROR_CODES.DEAD_LETTER
      | typeof SINK_ERROR_CODES.COMMIT,
  ): Promise<R> {
    const { retry } = this.options
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await fn(attempt)
        if (attempt > 1) this.recovered(what, attempt)
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
              context: { target: this.labels.target },
            },
          )
        }
        const lost = this.consumerAbort.signal
        if (lost.aborted) throw error
        if (!this.abort.signal.aborted) {
          this.retryingAfter(error)
          this.metrics.retries.inc({ ...this.labels, code })
          const delay = backoffDelay(attempt, retry)
          this.logger.warn({ what, attempt, delayMs: delay, code, err: error }, 'transient failure: retrying')
          await this.pause(delay, lost)
          if (lost.aborted) throw error
        }
        if (this.abort.signal.aborted) {
          throw new SinkError(
            SINK_ERROR_CODES.STOPPED,
            `${what}: stopped while retrying after ${attempt} attempts: ${errorMessage(error)}`,
            { cause: error, retriable: true, context: { target: this.labels.target } },
          )
        }
      }
    }
  }

  /** A transient failure: not ready (and not up) until the retried call succeeds. */
  private retryingAfter(error: unknown): void {
    this.lastError = error
    if (this.state !== SinkState.RUNNING) return
    this.state = SinkState.RETRYING
    this.publishUp()
  }

  private recovered(what: string, attempts: number): void {
    if (this.state !== SinkState.RETRYING || this.restarting !== undefined) return
    this.state = SinkState.RUNNING
    this.publishUp()
    this.logger.info({ what, attempts }, 'recovered: the retried call succeeded')
  }

  /**
   * The backoff sleep, in slices with a heartbeat after each, so a long retry inside eachBatch keeps
   * the member in its group; stop() ends it at once.
   */
  private async pause(ms: number, lost: AbortSignal): Promise<void> {
    const until = performance.now() + ms
    const signal = AbortSignal.any([this.abort.signal, lost])
    await this.beat()
    for (let left = ms; left > 0 && !signal.aborted; left = until - performance.now()) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), signal)
      await this.beat()
    }
  }

  private async beat(): Promise<void> {
    await this.heartbeat?.().catch((e: unknown) => this.logger.debug({ err: e }, 'heartbeat failed'))
  }

  private async deadLetter(record: BrokerRecord, stage: 'DESERIALIZATION' | 'OTHER', error: unknown) {
    const code = errorCode(error)
    this.metrics.deadLetters.inc({ ...this.labels, stage, code })
    this.logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, stage, code, err: error },
      'record dead-lettered',
    )
    return deadLetterRecord(this.options.deadLetter, record, stage, error, {
      sink: this.labels.sink,
      target: this.labels.target,
      now: Date.now(),
    })
  }

  private fail(error: unknown, batchId?: string): void {
    if (this.state === SinkState.FAILED) return
    this.state = SinkState.FAILED
    this.lastError = error
    this.metrics.up.set(this.labels, 0)
    this.logger.error({ err: error, batchId }, 'sink failed: stopping without committing the batch')
    this.buffer = []
    // Not awaited: the consumer may be inside eachBatch, which waits for this flush.
    setImmediate(() => {
      this.stopping ??= this.shutDown(error)
    })
  }

  /** stop() cut a retry short: the batch stays uncommitted (a restart re-delivers it), and so does all after it. */
  private abandon(error: unknown, batchId: string): void {
    this.abandoned = true
    this.lastError = error
    this.buffer = []
    this.logger.warn({ err: error, batchId }, 'stopped while retrying: the batch is left uncommitted')
  }

  private async measureLag(): Promise<void> {
    const consumer = this.consumer
    const admin = this.admin
    if (consumer === undefined || admin === undefined || this.assigned.size === 0) return
    try {
      const partitions = [...this.assigned.values()]
      const committed = await consumer.committed(partitions)
      for (const topic of new Set(partitions.map((p) => p.topic))) {
        const ends = await admin.endOffsets(topic)
        for (const p of partitions.filter((x) => x.topic === topic)) {
          const end = Number(ends.get(p.partition) ?? '0')
          const at = Number(committed.get(tpKey(p.topic, p.partition)) ?? '0')
          this.metrics.consumerLag.set(
            { sink: this.labels.sink, topic, partition: p.partition },
            Math.max(0, end - at),
          )
        }
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'measuring lag failed')
    }
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    if (this.accepting || this.state === SinkState.STARTING) this.state = SinkState.STOPPING
    this.abort.abort()
    this.stopping = this.shutDown(undefined)
    return this.stopping
  }

  private async shutDown(error: unknown): Promise<void> {
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer)
    this.brokerWatch.stop()
    let timeout: NodeJS.Timeout | undefined
    const bounded = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs)
    })
    const work = (async () => {
      // The last flush commits while this member is still in the group (accept() buffers nothing more);
      // leaving revokes the partitions, whose flush then finds the buffer empty.
      await this.flush().catch(() => {})
      await this.restarting
      await this.consumer?.stop().catch((e) => this.logger.warn({ err: e }, 'leaving the group failed'))
      await this.producer?.close().catch(() => {})
      await this.admin?.close().catch(() => {})
      await this.options.target
        .close?.()
        .catch((e) => this.logger.warn({ err: e }, 'closing the target failed'))
    })()
    const outcome = await Promise.race([work.then(() => 'done' as const), bounded])
    clearTimeout(timeout)
    if (this.state !== SinkState.FAILED) this.state = SinkState.STOPPED
    this.metrics.up.set(this.labels, 0)
    if (outcome === 'timeout') this.logger.warn({ boundMs: this.options.shutdownTimeoutMs }, 'stop timed out')
    else this.logger.info({ state: this.state }, 'sink stopped')
    const cause = error ?? (this.abandoned ? this.lastError : undefined)
    this.settle({ state: this.state, ...(cause === undefined ? {} : { error: cause }) })
  }
}

/**
 * Starts a sink: consumes the topics as `groupId`, batches by size and time, writes each batch to the
 * target, dead-letters what cannot be decoded or written, and commits the offsets only after the
 * write and the dead letters are durable.
 */
export async function runSink<T>(options: SinkOptions<T>): Promise<SinkHandle> {
  const sink = new Sink(resolveSinkOptions(options))
  await sink.start()
  return sink
}
