import {
  errorCode as codeOf,
  errorRetriable as isRetriable,
  errorMessage as messageOf,
  sleepUnlessAborted as sleep,
} from '@oxagry/kafka'
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
import { callOf, invoke, outcomeEvent, pendingNote, requestedEvent } from './commands.ts'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { GatewayMetrics } from './gateway-metrics.ts'
import { commandDeadLetter, eventRecord, noteRecord } from './gateway-records.ts'
import {
  GatewayState,
  resolveGatewayOptions,
  type GatewayHealth,
  type GatewayOptions,
  type PaymentGateway,
  type ResolvedGatewayOptions,
} from './gateway-options.ts'
import type { Answer, ProviderOutcome } from './provider.ts'

const tracer = trace.getTracer('@oxagry/payments')

const HEARTBEAT_SLICE_MS = 1000

class Gateway implements PaymentGateway {
  readonly metrics: GatewayMetrics
  readonly closed: Promise<{ state: GatewayState; error?: unknown }>
  private state: GatewayState = GatewayState.STARTING
  private lastError: unknown
  private consumer: BackendConsumer | undefined
  /** at_least_once: one producer; exactly_once: one transactional producer per owned partition. */
  private producer: BackendProducer | undefined
  private readonly producers = new Map<string, BackendProducer>()
  /** The next offset per owned partition, as this member last committed it. */
  private readonly positions = new Map<string, string>()
  /** Owned partitions, each with a signal aborted when it is taken away. */
  private readonly owned = new Map<string, AbortController>()
  private readonly busy = new Map<string, Promise<void>>()
  private readonly abort = new AbortController()
  private stopping: Promise<void> | undefined
  private settle: (result: { state: GatewayState; error?: unknown }) => void = () => {}
  private readonly logger: Logger
  /** A span per command, in the trace of the payments application that asked for it. */
  private readonly startSpan: StartRecordSpan

  constructor(
    private readonly options: GatewayOptions,
    private readonly config: ResolvedGatewayOptions,
  ) {
    this.metrics = new GatewayMetrics(options.metricsRegistry ?? new Registry())
    this.logger = (options.logger ?? pino({ name: 'oxagry-payment-gateway' })).child({
      gateway: config.groupId,
    })
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
      this.state = GatewayState.RUNNING
      this.metrics.up.set(1)
      await consumer.run([topics.paymentCommands], {
        onAssigned: (added, assignment) => this.assigned(added, assignment),
        onRevoked: (partitions) => this.revoked(partitions),
        eachBatch: (batch) => this.batch(batch),
        onFailed: (error) => this.fail(error),
      })
    } catch (error) {
      this.fail(error)
      await this.closed
      throw new PaymentsError(
        PAYMENTS_ERROR_CODES.GATEWAY_FAILED,
        `starting the gateway: ${messageOf(error)}`,
        {
          cause: error,
          retriable: isRetriable(error),
        },
      )
    }
    this.logger.info(
      { topic: topics.paymentCommands, exactlyOnce: this.config.exactlyOnce },
      'gateway started',
    )
  }

  health(): GatewayHealth {
    const error = this.lastError
    return {
      live: this.state !== GatewayState.STOPPED && this.state !== GatewayState.FAILED,
      ready: this.state === GatewayState.RUNNING,
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
      if (added.length > 0) this.logger.info({ partitions: added }, 'partitions assigned')
    } catch (error) {
      this.fail(error)
    }
  }

  private async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    const keys = partitions.map((p) => tpKey(p.topic, p.partition))
    for (const key of keys) this.owned.get(key)?.abort()
    // The command in hand finishes (or, retried, is left uncommitted) before its producer goes.
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
    const running = this.state === GatewayState.RUNNING || this.state === GatewayState.RETRYING
    return running && this.owned.get(key)?.signal.aborted === false
  }

  /**
   * A fetched batch of one partition: each command handled in order, and their events written with
   * the batch's last offset in one transaction (one round of the transaction protocol per batch, not
   * two per command). What is held is written before a provider outage is waited out, so Requested is
   * visible meanwhile; a crash before the write does the batch's commands again, with the same event
   * ids, and the provider answers a repeated call as before.
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
        // A span per command, in the trace of the payments application that asked for it: the
        // events and notes it adds carry it.
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

  /**
   * One command: Requested, the provider's answer, the outcome, added to `pending`. Returns the offset
   * after the command, or undefined to stop this batch (the gateway failed, or the partition moved).
   */
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
    const { paymentCommand } = this.options.serdes
    let command
    try {
      if (record.value === null)
        throw new PaymentsError(
          PAYMENTS_ERROR_CODES.COMMAND_UNREADABLE,
          'a null value (tombstone) is no command',
        )
      command = await paymentCommand.deserialize(record.topic, record.value, record.headers)
      callOf(command)
    } catch (error) {
      if (isRetriable(error)) {
        this.fail(error)
        return undefined
      }
      this.logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
        'payment command dead-lettered',
      )
      pending.push(await commandDeadLetter(this.options.serdes, this.config, record, error))
      this.metrics.commands.inc({ result: 'dead_lettered' })
      return next
    }
    const requested = requestedEvent(command)
    if (requested !== undefined) {
      pending.push(await eventRecord(this.options.serdes, this.config, requested))
      this.metrics.events.inc({ step: 'PaymentRequested' })
    }
    const outcome = await this.callProvider(command, key, heartbeat, flush)
    if (outcome === undefined) return undefined
    if (outcome.status === 'pending') {
      // No outcome now: the provider reports it by webhook, and the payments application writes it
      // from this note, with the event id this path would have used.
      pending.push(await noteRecord(this.options.serdes, this.config, pendingNote(command, outcome)))
      this.metrics.events.inc({ step: 'PaymentPending' })
      this.metrics.commands.inc({ result: 'pending' })
      this.logger.debug(
        { orderId: command.orderId, paymentId: command.paymentId, reference: outcome.reference },
        'command pending: the outcome comes by webhook',
      )
      return next
    }
    const event = outcomeEvent(command, outcome)
    pending.push(await eventRecord(this.options.serdes, this.config, event))
    const step = Object.keys(event.payload)[0]?.split('.').pop() ?? 'unknown'
    this.metrics.events.inc({ step })
    const moved = Object.values(event.payload)[0] as { amountMinor?: number; currency?: string } | undefined
    if (step !== 'PaymentAuthorised' && moved?.amountMinor !== undefined && moved.currency !== undefined)
      this.metrics.amounts.inc({ step, currency: moved.currency }, moved.amountMinor)
    this.metrics.commands.inc({ result: 'done' })
    this.logger.debug(
      { orderId: command.orderId, paymentId: command.paymentId, outcome: outcome.status },
      'command done',
    )
    return next
  }

  /** Calls the provider until it answers, with capped exponential back-off; undefined when given up. */
  private async callProvider(
    command: Parameters<typeof callOf>[0],
    key: string,
    heartbeat: () => Promise<void>,
    flush: () => Promise<boolean>,
  ): Promise<Answer | undefined> {
    const call = callOf(command)
    const { operation } = call
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      let outcome: ProviderOutcome
      try {
        outcome = await invoke(this.options.provider, call)
        this.metrics.calls.inc({ operation, outcome: outcome.status })
      } catch (error) {
        this.metrics.calls.inc({ operation, outcome: 'error' })
        if (!isRetriable(error)) {
          this.fail(error)
          return undefined
        }
        outcome = { status: 'unavailable', message: messageOf(error) }
      } finally {
        this.metrics.callDuration.observe({ operation }, (performance.now() - started) / 1000)
      }
      if (outcome.status !== 'unavailable') {
        if (this.state === GatewayState.RETRYING) {
          this.state = GatewayState.RUNNING
          this.metrics.up.set(1)
          this.logger.info({ operation, attempts: attempt }, 'provider answered again')
        }
        return outcome
      }
      const delay = Math.min(this.config.maxMs, this.config.baseMs * 2 ** (attempt - 1))
      this.lastError = new PaymentsError(PAYMENTS_ERROR_CODES.PROVIDER_UNAVAILABLE, outcome.message, {
        retriable: true,
        context: { paymentId: command.paymentId },
      })
      if (this.state === GatewayState.RUNNING) {
        this.state = GatewayState.RETRYING
        this.metrics.up.set(0)
      }
      this.metrics.retries.inc({ operation })
      // What the batch holds is written before waiting: the outage may last.
      if (attempt === 1 && !(await flush())) return undefined
      this.logger.warn(
        { operation, paymentId: command.paymentId, attempt, delayMs: delay, message: outcome.message },
        'provider unavailable: retrying (the partition waits)',
      )
      await this.pause(delay, key, heartbeat)
      if (!this.canProcess(key)) {
        this.logger.warn(
          { paymentId: command.paymentId },
          'stopped while retrying: the command stays uncommitted',
        )
        return undefined
      }
    }
  }

  /** The back-off, in slices with a heartbeat after each so the member stays in its group. */
  private async pause(ms: number, key: string, heartbeat: () => Promise<void>): Promise<void> {
    const signals = [this.abort.signal, ...[this.owned.get(key)?.signal].filter((s) => s !== undefined)]
    const until = performance.now() + ms
    for (let left = ms; left > 0 && this.canProcess(key); left = until - performance.now()) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), signals)
      await heartbeat().catch((e: unknown) => this.logger.debug({ err: e }, 'heartbeat failed'))
    }
  }

  /** Writes records (and commits the offset, when given); false when the partition moved or the gateway failed. */
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
        this.logger.warn(
          { err: error, partition: key },
          'the partition moved: its next owner does the command again',
        )
        this.owned.get(key)?.abort()
        return false
      }
      this.fail(error)
      return false
    }
  }

  private fail(error: unknown): void {
    if (this.state === GatewayState.FAILED) return
    this.state = GatewayState.FAILED
    this.lastError = error
    this.metrics.up.set(0)
    this.logger.error({ err: error }, 'gateway failed: stopping without committing the command in hand')
    // Not awaited: the consumer may be inside eachBatch, which must return first.
    setImmediate(() => {
      this.stopping ??= this.shutDown(error)
    })
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    if (this.state !== GatewayState.FAILED) this.state = GatewayState.STOPPING
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
    if (this.state !== GatewayState.FAILED) this.state = GatewayState.STOPPED
    this.metrics.up.set(0)
    if (outcome === 'timeout') this.logger.warn({ boundMs: this.config.shutdownTimeoutMs }, 'stop timed out')
    else this.logger.info({ state: this.state }, 'gateway stopped')
    const cause = error ?? (this.state === GatewayState.FAILED ? this.lastError : undefined)
    this.settle({ state: this.state, ...(cause === undefined ? {} : { error: cause }) })
  }
}

/**
 * Starts the payment gateway worker: consumes the payment commands in its own group, and for each
 * writes `PaymentRequested` (authorisations), calls the provider (the payment id its idempotency key;
 * an outage retried with capped exponential back-off while the partition waits), and writes the
 * outcome to the payment events keyed by order, committing the command's offset with it. Event ids
 * derive from the command id and the step, so a redelivered command writes the same events.
 */
export async function startPaymentGateway(options: GatewayOptions): Promise<PaymentGateway> {
  const gateway = new Gateway(options, resolveGatewayOptions(options))
  await gateway.start()
  return gateway
}
