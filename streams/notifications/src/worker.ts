import {
  errorCode as codeOf,
  errorRetriable as isRetriable,
  errorMessage as messageOf,
  sleepUnlessAborted as sleep,
} from '@oxagry/kafka'
import type { Notification } from '@oxagry/avro'
import {
  endSpan,
  KAFKA_ERROR_CODES,
  recordSpans,
  tpKey,
  type BackendConsumer,
  type BackendProducer,
  type Batch,
  type BrokerRecord,
  type PartitionOffset,
  type ProducedRecord,
  type StartRecordSpan,
  type TopicPartition,
} from '@oxagry/kafka'
import { context, trace } from '@opentelemetry/api'
import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import type { ChannelOutcome } from './channel.ts'
import { NOTIFICATIONS_ERROR_CODES, NotificationsError } from './errors.ts'
import { WorkerMetrics } from './worker-metrics.ts'
import {
  resolveWorkerOptions,
  WorkerState,
  type ChannelWorker,
  type ChannelWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerHealth,
} from './worker-options.ts'
import { deliveryOf, deliveryRecord, notificationDeadLetter, type SendResult } from './worker-records.ts'

const tracer = trace.getTracer('@oxagry/notifications')

const HEARTBEAT_SLICE_MS = 1000

/**
 * The channel worker, on the payment gateway's model (streams/payments/src/gateway.ts): a plain
 * consumer group over the outbox, a transactional producer per owned partition, each batch's delivery
 * outcomes and offset committed in one transaction.
 */
class Worker implements ChannelWorker {
  readonly metrics: WorkerMetrics
  readonly closed: Promise<{ state: WorkerState; error?: unknown }>
  private state: WorkerState = WorkerState.STARTING
  private lastError: unknown
  private consumer: BackendConsumer | undefined
  private producer: BackendProducer | undefined
  private readonly producers = new Map<string, BackendProducer>()
  private readonly positions = new Map<string, string>()
  private readonly owned = new Map<string, AbortController>()
  private readonly busy = new Map<string, Promise<void>>()
  private readonly abort = new AbortController()
  private stopping: Promise<void> | undefined
  private settle: (result: { state: WorkerState; error?: unknown }) => void = () => {}
  private readonly logger: Logger
  private readonly now: () => number
  /** A span per notification sent, in the trace of the step that asked for it. */
  private readonly startSpan: StartRecordSpan

  constructor(
    private readonly options: ChannelWorkerOptions,
    private readonly config: ResolvedWorkerOptions,
  ) {
    this.metrics = new WorkerMetrics(options.metricsRegistry ?? new Registry())
    this.logger = (options.logger ?? pino({ name: 'oxagry-notification-channels' })).child({
      worker: config.groupId,
    })
    this.now = options.now ?? Date.now
    this.closed = new Promise((resolve) => (this.settle = resolve))
    this.startSpan = recordSpans(tracer, config.groupId)
  }

  async start(): Promise<void> {
    const { backend } = this.options
    const { groupId, clientId, topics } = this.config
    try {
      if (!this.config.exactlyOnce) this.producer = await backend.producer({ clientId })
      const consumer = backend.consumer({ groupId, clientId, readCommitted: true })
      this.consumer = consumer
      this.state = WorkerState.RUNNING
      this.metrics.up.set(1)
      await consumer.run([topics.outbox], {
        onAssigned: (added, assignment) => this.assigned(added, assignment),
        onRevoked: (partitions) => this.revoked(partitions),
        eachBatch: (batch) => this.batch(batch),
        onFailed: (error) => this.fail(error),
      })
    } catch (error) {
      this.fail(error)
      await this.closed
      throw new NotificationsError(
        NOTIFICATIONS_ERROR_CODES.WORKER_FAILED,
        `starting the channel worker: ${messageOf(error)}`,
        { cause: error, retriable: isRetriable(error) },
      )
    }
    this.logger.info({ topic: topics.outbox, exactlyOnce: this.config.exactlyOnce }, 'channel worker started')
  }

  health(): WorkerHealth {
    const error = this.lastError
    return {
      live: this.state !== WorkerState.STOPPED && this.state !== WorkerState.FAILED,
      ready: this.state === WorkerState.RUNNING,
      state: this.state,
      partitions: this.owned.size,
      ...(error === undefined ? {} : { lastError: { code: codeOf(error), message: messageOf(error) } }),
    }
  }

  private async assigned(added: readonly TopicPartition[], assignment?: readonly TopicPartition[]) {
    try {
      for (const p of added) {
        const key = tpKey(p.topic, p.partition)
        if (!this.owned.has(key)) this.owned.set(key, new AbortController())
        if (this.config.exactlyOnce && !this.producers.has(key)) {
          // One transactional id per partition: a new owner fences the old one and aborts its open
          // transaction before reading the committed offset below.
          this.producers.set(
            key,
            await this.options.backend.producer({
              clientId: `${this.config.clientId}-${p.partition}`,
              transactionalId: `${this.config.groupId}-${p.topic}-${p.partition}`,
            }),
          )
        }
      }
      const all = assignment ?? added
      const unknown = all.filter((p) => !this.positions.has(tpKey(p.topic, p.partition)))
      const committed = unknown.length > 0 ? await this.consumer!.committed(unknown) : new Map()
      for (const p of all) {
        const key = tpKey(p.topic, p.partition)
        const offset = this.positions.get(key) ?? committed.get(key) ?? '0'
        this.consumer!.seek({ topic: p.topic, partition: p.partition, offset })
      }
    } catch (error) {
      this.fail(error)
    }
  }

  private async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    const keys = partitions.map((p) => tpKey(p.topic, p.partition))
    for (const key of keys) this.owned.get(key)?.abort()
    await Promise.allSettled(keys.map((key) => this.busy.get(key)))
    for (const key of keys) {
      this.owned.delete(key)
      this.positions.delete(key)
      const producer = this.producers.get(key)
      this.producers.delete(key)
      await producer?.close().catch((e: unknown) => this.logger.warn({ err: e }, 'closing a producer failed'))
    }
  }

  private canProcess(key: string): boolean {
    const running = this.state === WorkerState.RUNNING || this.state === WorkerState.RETRYING
    return running && this.owned.get(key)?.signal.aborted === false
  }

  /**
   * A fetched batch of one partition: each notification sent in order, and the outcomes written with
   * the batch's last offset in one transaction. What is held is written before a failing provider is
   * waited out. A crash before the write sends the batch again under the same keys: the provider
   * answers those it took as before, so nobody gets a message twice.
   */
  private async batch(batch: Batch): Promise<void> {
    const key = tpKey(batch.topic, batch.partition)
    const pending: ProducedRecord[] = []
    let last: PartitionOffset | undefined
    const flush = async (): Promise<boolean> => {
      if (pending.length === 0 && last === undefined) return true
      const offset = last
      const ok = await this.produce(key, pending.splice(0), offset)
      if (ok && offset !== undefined) this.positions.set(key, offset.offset)
      last = undefined
      return ok
    }
    const run = (async () => {
      for (const record of batch.records) {
        if (!this.canProcess(key)) return
        // The delivery outcome it adds carries the span (built while it is active).
        const traced = this.startSpan(record.headers, record)
        let done: PartitionOffset | undefined
        try {
          done = await context.with(traced.context, () =>
            this.handle(record, key, () => batch.heartbeat(), pending, flush),
          )
        } catch (error) {
          endSpan(traced.span, error)
          throw error
        }
        endSpan(traced.span)
        if (done === undefined) return
        last = done
      }
      await flush()
    })()
    this.busy.set(key, run)
    try {
      await run
    } finally {
      if (this.busy.get(key) === run) this.busy.delete(key)
    }
  }

  /** One notification: sent (or given up), its outcome added to `pending`; the next offset, or undefined to stop. */
  private async handle(
    record: BrokerRecord,
    key: string,
    heartbeat: () => Promise<void>,
    pending: ProducedRecord[],
    flush: () => Promise<boolean>,
  ): Promise<PartitionOffset | undefined> {
    const next: PartitionOffset = {
      topic: record.topic,
      partition: record.partition,
      offset: String(BigInt(record.offset) + 1n),
    }
    const { serdes } = this.options
    let notification: Notification
    try {
      if (record.value === null)
        throw new NotificationsError(
          NOTIFICATIONS_ERROR_CODES.NOTIFICATION_UNREADABLE,
          'a null value (tombstone) is no notification',
        )
      notification = await serdes.notification.deserialize(record.topic, record.value, record.headers)
    } catch (error) {
      if (isRetriable(error)) {
        this.fail(error)
        return undefined
      }
      this.logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
        'outbox record dead-lettered: it does not decode',
      )
      const code = codeOf(error)
      pending.push(
        await notificationDeadLetter(serdes, this.config, record, {
          stage: 'DESERIALIZATION',
          code: code === 'OXA_UNKNOWN' ? NOTIFICATIONS_ERROR_CODES.NOTIFICATION_UNREADABLE : code,
          message: messageOf(error),
          at: record.timestamp,
        }),
      )
      this.metrics.notifications.inc({ result: 'unreadable' })
      return next
    }
    const result = await this.send(notification, key, heartbeat, flush)
    if (result.kind === 'stopped') return undefined
    const { delivery, failure } = deliveryOf(notification, result, this.now)
    if (failure === undefined) this.metrics.notifications.inc({ result: 'sent' })
    else {
      pending.push(await notificationDeadLetter(serdes, this.config, record, failure))
      this.metrics.notifications.inc({ result: 'failed' })
      this.logger.warn(
        {
          notificationId: notification.notificationId,
          channel: notification.channel,
          reason: delivery.reason,
        },
        'notification failed: dead-lettered',
      )
    }
    pending.push(await deliveryRecord(serdes, this.config, delivery))
    return next
  }

  /** Sends until the provider answers for good, with capped exponential back-off, `attempts` calls at most. */
  private async send(
    notification: Notification,
    key: string,
    heartbeat: () => Promise<void>,
    flush: () => Promise<boolean>,
  ): Promise<SendResult> {
    const channel = notification.channel
    const message = {
      idempotencyKey: notification.notificationId,
      channel,
      address: notification.address,
      subject: notification.subject,
      body: notification.body,
    }
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      let outcome: ChannelOutcome
      try {
        outcome = await this.options.channel.send(message)
        this.metrics.sends.inc({ channel, outcome: outcome.status })
      } catch (error) {
        this.metrics.sends.inc({ channel, outcome: 'error' })
        if (!isRetriable(error)) {
          this.fail(error)
          return { kind: 'stopped' }
        }
        outcome = { status: 'unavailable', message: messageOf(error) }
      } finally {
        this.metrics.sendDuration.observe({ channel }, (performance.now() - started) / 1000)
      }
      if (outcome.status !== 'unavailable') {
        if (this.state === WorkerState.RETRYING) {
          this.state = WorkerState.RUNNING
          this.metrics.up.set(1)
        }
        return { kind: 'answered', outcome, attempts: attempt }
      }
      const reason = outcome.message
      this.lastError = new NotificationsError(NOTIFICATIONS_ERROR_CODES.CHANNEL_UNAVAILABLE, reason, {
        retriable: true,
        context: { notificationId: notification.notificationId },
      })
      if (attempt >= this.config.attempts) return { kind: 'exhausted', reason, attempts: attempt }
      const delay = Math.min(this.config.maxMs, this.config.baseMs * 2 ** (attempt - 1))
      if (this.state === WorkerState.RUNNING) {
        this.state = WorkerState.RETRYING
        this.metrics.up.set(0)
      }
      this.metrics.retries.inc({ channel })
      if (attempt === 1 && !(await flush())) return { kind: 'stopped' }
      this.logger.warn(
        { notificationId: notification.notificationId, channel, attempt, delayMs: delay, message: reason },
        'channel provider failed: retrying (the partition waits)',
      )
      await this.pause(delay, key, heartbeat)
      if (!this.canProcess(key)) return { kind: 'stopped' }
    }
  }

  private async pause(ms: number, key: string, heartbeat: () => Promise<void>): Promise<void> {
    const signals = [this.abort.signal, ...[this.owned.get(key)?.signal].filter((s) => s !== undefined)]
    const until = performance.now() + ms
    for (let left = ms; left > 0 && this.canProcess(key); left = until - performance.now()) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), signals)
      await heartbeat().catch((e: unknown) => this.logger.debug({ err: e }, 'heartbeat failed'))
    }
  }

  private async produce(key: string, records: ProducedRecord[], offset?: PartitionOffset): Promise<boolean> {
    try {
      if (this.config.exactlyOnce) {
        const producer = this.producers.get(key)
        if (producer === undefined) return false
        await producer.beginTransaction()
        try {
          await producer.send(records)
          if (offset !== undefined) await producer.sendOffsets(this.config.groupId, [offset])
          await producer.commitTransaction()
        } catch (error) {
          await producer.abortTransaction().catch(() => {})
          throw error
        }
      } else {
        await this.producer!.send(records)
        if (offset !== undefined) await this.consumer!.commit([offset])
      }
      return true
    } catch (error) {
      const code = codeOf(error)
      if (code === KAFKA_ERROR_CODES.FENCED || code === KAFKA_ERROR_CODES.REBALANCED) {
        this.logger.warn({ err: error, partition: key }, 'the partition moved: its next owner sends again')
        this.owned.get(key)?.abort()
        return false
      }
      this.fail(error)
      return false
    }
  }

  private fail(error: unknown): void {
    if (this.state === WorkerState.FAILED) return
    this.state = WorkerState.FAILED
    this.lastError = error
    this.metrics.up.set(0)
    this.logger.error({ err: error }, 'channel worker failed: stopping without committing the batch in hand')
    setImmediate(() => {
      this.stopping ??= this.shutDown(error)
    })
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    if (this.state !== WorkerState.FAILED) this.state = WorkerState.STOPPING
    this.abort.abort()
    this.stopping = this.shutDown(undefined)
    return this.stopping
  }

  private async shutDown(error: unknown): Promise<void> {
    this.abort.abort()
    let timeout: NodeJS.Timeout | undefined
    const bounded = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs)
    })
    const work = (async () => {
      await this.consumer
        ?.stop()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'leaving the group failed'))
      const producers = [...this.producers.values(), ...(this.producer === undefined ? [] : [this.producer])]
      this.producers.clear()
      await Promise.allSettled(producers.map((p) => p.close()))
    })()
    const outcome = await Promise.race([work.then(() => 'done' as const), bounded])
    clearTimeout(timeout)
    if (this.state !== WorkerState.FAILED) this.state = WorkerState.STOPPED
    this.metrics.up.set(0)
    if (outcome === 'timeout') this.logger.warn({ boundMs: this.config.shutdownTimeoutMs }, 'stop timed out')
    const cause = error ?? (this.state === WorkerState.FAILED ? this.lastError : undefined)
    this.settle({ state: this.state, ...(cause === undefined ? {} : { error: cause }) })
  }
}

/**
 * Starts the channel worker: consumes the outbox in its own group and sends each notification through
 * the channel provider (the notification id its idempotency key), retrying a failing provider with
 * capped exponential back-off up to `retry.attempts` calls; then, or when the provider refuses, the
 * notification is dead-lettered with the reason. Each outcome goes to the deliveries topic, committed
 * with the notification's offset.
 */
export async function startChannelWorker(options: ChannelWorkerOptions): Promise<ChannelWorker> {
  const worker = new Worker(options, resolveWorkerOptions(options))
  await worker.start()
  return worker
}
