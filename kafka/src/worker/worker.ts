import { context, trace, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { endSpan, recordSpans, type StartRecordSpan } from '../trace-context.ts'
import {
  tpKey,
  type Batch,
  type BackendConsumer,
  type BrokerRecord,
  type KafkaBackend,
  type PartitionOffset,
  type ProducedRecord,
  type TopicPartition,
} from '../types.ts'
import { errorCode, errorMessage, errorRetriable } from '../worker-support.ts'
import { callWithRetry, type CallContext, type CallResult, type ExternalCall } from './call.ts'
import { WorkerState, type WorkerClosed, type WorkerHealth, type WorkerSettings } from './options.ts'
import { MemberCommits } from './member-commits.ts'
import { WorkerOutputs } from './outputs.ts'

/** What a handler can do while it handles one record. */
export interface RecordStep {
  /** Adds records to write with the record's offset (in its batch's transaction, under exactly_once). */
  emit(...records: readonly ProducedRecord[]): void
  /** Makes the external call, retried while it is unavailable. */
  call<A extends { readonly status: string }>(call: ExternalCall<A>): Promise<CallResult<A>>
}

/** The service's own part: decode, the external call, what it produces. */
export interface RecordHandler<Command> {
  /**
   * Reads the record. A non-retriable error makes it a poison record, dead-lettered; a retriable one
   * fails the worker (the record stays uncommitted).
   */
  decode(record: BrokerRecord): Promise<Command>
  /** The dead letter(s) of a poison record; count it here. */
  poison(record: BrokerRecord, error: unknown): Promise<readonly ProducedRecord[]>
  /** Handles a decoded record; `stopped` when a call came back stopped (nothing of it is committed). */
  handle(command: Command, record: BrokerRecord, step: RecordStep): Promise<'done' | 'stopped'>
}

export interface TransactionalWorkerOptions<Command> {
  readonly backend: KafkaBackend
  /** The topic the worker consumes. */
  readonly topic: string
  /** Checked by `checkWorkerSettings` or `resolveWorkerSettings`. */
  readonly settings: WorkerSettings
  readonly handler: RecordHandler<Command>
  readonly logger: Logger
  /** Names the worker in its log lines ("payment gateway"). */
  readonly name: string
  /** Each record is handled in a span `<groupId> process <topic>` of this tracer. */
  readonly tracer?: Tracer
  /** Each state the worker enters; a readiness gauge follows it. */
  readonly onState?: (state: WorkerState) => void
}

export interface TransactionalWorker {
  health(): WorkerHealth
  /** Resolves once the worker stopped or failed; never rejects. */
  readonly closed: Promise<WorkerClosed>
  /** Stops after the record in hand (a call being retried is left uncommitted), leaves the group. */
  stop(): Promise<void>
}

class Worker<Command> implements TransactionalWorker {
  readonly closed: Promise<WorkerClosed>
  private state: WorkerState = WorkerState.STARTING
  private lastError: unknown
  private consumer: BackendConsumer | undefined
  private readonly outputs: WorkerOutputs
  /** The next offset per owned partition, as this member last committed it. */
  private readonly positions = new Map<string, string>()
  /** Owned partitions, each with a signal aborted when it is taken away. */
  private readonly owned = new Map<string, AbortController>()
  private readonly busy = new Map<string, Promise<void>>()
  /** Batches, and commits of the member's transaction, one at a time. */
  private serial: Promise<unknown> = Promise.resolve()
  private readonly commits: MemberCommits
  private readonly abort = new AbortController()
  private stopping: Promise<void> | undefined
  private settle: (result: WorkerClosed) => void = () => {}
  private readonly startSpan: StartRecordSpan
  private readonly settings: WorkerSettings
  private readonly logger: Logger

  constructor(private readonly options: TransactionalWorkerOptions<Command>) {
    this.settings = options.settings
    this.logger = options.logger
    this.outputs = new WorkerOutputs(options.backend, options.settings, options.logger)
    this.commits = new MemberCommits({
      outputs: this.outputs,
      commitIntervalMs: options.settings.commitIntervalMs,
      consumer: () => this.consumer!,
      positions: this.positions,
      owns: (key) => this.owned.has(key),
      failed: () => this.state === WorkerState.FAILED,
      fail: (error) => this.fail(error),
      exclusive: (work) => this.exclusive(work),
    })
    this.closed = new Promise((resolve) => (this.settle = resolve))
    this.startSpan = recordSpans(options.tracer ?? trace.getTracer('@oxagry/kafka'), options.settings.groupId)
  }

  async start(): Promise<void> {
    const { groupId, clientId, exactlyOnce } = this.settings
    try {
      await this.outputs.start()
      const consumer = this.options.backend.consumer({ groupId, clientId, readCommitted: true })
      this.consumer = consumer
      this.enter(WorkerState.RUNNING)
      await consumer.run([this.options.topic], {
        onAssigned: (added, assignment) => this.assigned(added, assignment),
        onRevoked: (partitions) => this.revoked(partitions),
        eachBatch: (batch) => this.exclusive(() => this.batch(batch)),
        onFailed: (error) => this.fail(error),
      })
    } catch (error) {
      this.fail(error)
      await this.closed
      throw error
    }
    this.logger.info(
      { topic: this.options.topic, exactlyOnce, transactions: this.outputs.mode },
      `${this.options.name} started`,
    )
  }

  health(): WorkerHealth {
    const error = this.lastError
    return {
      live: this.state !== WorkerState.STOPPED && this.state !== WorkerState.FAILED,
      ready: this.state === WorkerState.RUNNING,
      state: this.state,
      partitions: this.owned.size,
      ...(error === undefined ? {} : { lastError: { code: errorCode(error), message: errorMessage(error) } }),
    }
  }

  private enter(state: WorkerState): void {
    if (this.state === state) return
    this.state = state
    this.options.onState?.(state)
  }

  private async assigned(added: readonly TopicPartition[], assignment?: readonly TopicPartition[]) {
    try {
      for (const p of added) {
        const key = tpKey(p.topic, p.partition)
        if (!this.owned.has(key)) this.owned.set(key, new AbortController())
        // Before reading the committed offset below: the new producer aborts the old owner's transaction.
        await this.outputs.assign(p)
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
    // The record in hand finishes (or, retried, is left uncommitted) before its producer goes.
    await Promise.allSettled(keys.map((key) => this.busy.get(key)))
    // What the member's transaction holds of them is committed while they are still its own.
    if (this.outputs.mode === 'member') await this.exclusive(() => this.commits.commit())
    for (const key of keys) {
      this.owned.delete(key)
      this.positions.delete(key)
      this.commits.forget(key)
      await this.outputs.release(key)
    }
  }

  /** Runs after what is running: batches and the member's commits never overlap. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work)
    this.serial = run.catch(() => {})
    return run
  }

  private canProcess(key: string): boolean {
    const running = this.state === WorkerState.RUNNING || this.state === WorkerState.RETRYING
    return running && this.owned.get(key)?.signal.aborted === false
  }

  /**
   * A fetched batch of one partition: each record handled in order, and what they produce written
   * with the batch's last offset: into the member's open transaction (committed every commit
   * interval), or in a transaction of the partition's, or acknowledged and then the offset committed.
   * What is held is committed before an unavailable call is waited out; a crash before the commit does
   * the batch again.
   */
  private async batch(batch: Batch): Promise<void> {
    const key = tpKey(batch.topic, batch.partition)
    if (this.commits.isStale(key, batch)) return
    const member = this.outputs.mode === 'member'
    const pending: ProducedRecord[] = []
    let last: PartitionOffset | undefined
    let first: bigint | undefined
    /** What is held goes into the member's transaction; false when that failed the worker. */
    const stage = async (): Promise<boolean> => {
      if (pending.length === 0 && last === undefined) return true
      const offset = last
      last = undefined
      try {
        await this.outputs.stage(key, pending.splice(0), offset, first)
      } catch (error) {
        this.fail(error)
        return false
      }
      first = undefined
      return true
    }
    const flush = async (): Promise<boolean> => {
      if (member) return (await stage()) && this.commits.commit()
      if (pending.length === 0 && last === undefined) return true
      const offset = last
      last = undefined
      const ok = await this.write(key, pending.splice(0), offset)
      if (ok && offset !== undefined) this.positions.set(key, offset.offset)
      return ok
    }
    const run = (async () => {
      for (const record of batch.records) {
        if (!this.canProcess(key)) return
        // A span per record, in the trace its headers carry: what the handler emits carries it.
        const traced = this.startSpan(record.headers, record)
        let done: PartitionOffset | undefined
        try {
          done = await context.with(traced.context, () => this.handle(record, key, batch, pending, flush))
        } catch (error) {
          endSpan(traced.span, error)
          this.fail(error)
          return
        }
        endSpan(traced.span)
        if (done === undefined) return
        last = done
        first ??= BigInt(record.offset)
      }
      if (!member) await flush()
      else if (await stage()) await this.commits.whenDue()
    })()
    this.busy.set(key, run)
    try {
      await run
    } finally {
      if (this.busy.get(key) === run) this.busy.delete(key)
    }
  }

  /** One record: the offset after it, or undefined to stop the batch (the worker failed, the partition moved). */
  private async handle(
    record: BrokerRecord,
    key: string,
    batch: Batch,
    pending: ProducedRecord[],
    flush: () => Promise<boolean>,
  ): Promise<PartitionOffset | undefined> {
    const next: PartitionOffset = {
      topic: record.topic,
      partition: record.partition,
      offset: String(BigInt(record.offset) + 1n),
    }
    const { handler } = this.options
    let command: Command
    try {
      command = await handler.decode(record)
    } catch (error) {
      if (errorRetriable(error)) {
        this.fail(error)
        return undefined
      }
      this.logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
        'record dead-lettered: it does not decode',
      )
      pending.push(...(await handler.poison(record, error)))
      return next
    }
    const ctx = this.callContext(key, batch, flush)
    const step: RecordStep = {
      emit: (...records) => void pending.push(...records),
      call: (call) => callWithRetry(call, ctx),
    }
    return (await handler.handle(command, record, step)) === 'done' ? next : undefined
  }

  private callContext(key: string, batch: Batch, flush: () => Promise<boolean>): CallContext {
    return {
      settings: this.settings,
      logger: this.logger,
      signals: () => [this.abort.signal, ...[this.owned.get(key)?.signal].filter((s) => s !== undefined)],
      canProcess: () => this.canProcess(key),
      heartbeat: () => batch.heartbeat(),
      flush,
      retrying: (error) => {
        this.lastError = error
        if (this.state === WorkerState.RUNNING) this.enter(WorkerState.RETRYING)
      },
      settled: (attempts) => {
        if (this.state !== WorkerState.RETRYING) return
        this.enter(WorkerState.RUNNING)
        this.logger.info({ attempts }, 'the external call is answered again')
      },
      fail: (error) => this.fail(error),
    }
  }

  /** Writes and commits; false when the partition moved (it is dropped) or the worker failed. */
  private async write(
    key: string,
    records: readonly ProducedRecord[],
    offset: PartitionOffset | undefined,
  ): Promise<boolean> {
    try {
      if ((await this.outputs.write(key, this.consumer!, records, offset)) === 'written') return true
      this.owned.get(key)?.abort()
      return false
    } catch (error) {
      this.fail(error)
      return false
    }
  }

  private fail(error: unknown): void {
    if (this.state === WorkerState.FAILED) return
    this.lastError = error
    this.enter(WorkerState.FAILED)
    this.logger.error(
      { err: error },
      `${this.options.name} failed: stopping without committing the batch in hand`,
    )
    // Not awaited: the consumer may be inside eachBatch, which must return first.
    setImmediate(() => {
      this.stopping ??= this.shutDown(error)
    })
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    if (this.state !== WorkerState.FAILED) this.enter(WorkerState.STOPPING)
    this.abort.abort()
    this.stopping = this.shutDown(undefined)
    return this.stopping
  }

  private async shutDown(error: unknown): Promise<void> {
    this.abort.abort()
    this.commits.cancel()
    let timeout: NodeJS.Timeout | undefined
    const bounded = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.settings.shutdownTimeoutMs)
    })
    const work = (async () => {
      // Stopping: what the member's transaction holds is committed before the group is left.
      if (this.outputs.mode === 'member' && error === undefined)
        await this.exclusive(() => this.commits.commit())
      await this.consumer
        ?.stop()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'leaving the group failed'))
      await this.outputs.closeAll()
    })()
    const outcome = await Promise.race([work.then(() => 'done' as const), bounded])
    clearTimeout(timeout)
    if (this.state !== WorkerState.FAILED) this.enter(WorkerState.STOPPED)
    if (outcome === 'timeout')
      this.logger.warn({ boundMs: this.settings.shutdownTimeoutMs }, 'stop timed out')
    else this.logger.info({ state: this.state }, `${this.options.name} stopped`)
    const cause = error ?? (this.state === WorkerState.FAILED ? this.lastError : undefined)
    this.settle({ state: this.state, ...(cause === undefined ? {} : { error: cause }) })
  }
}

/**
 * Starts a transactional worker: a consumer group member over `topic` that handles each owned
 * partition's records in order, one at a time, through the service's handler (decode, the external
 * call retried while unavailable, the records it produces), and writes what they produce with the
 * offsets they finish: under exactly_once in the member's transaction, committed every
 * `commitIntervalMs` (one transaction for every partition's batches, Kafka Streams' exactly_once_v2),
 * or, on a backend without group metadata, one transaction per batch. A record that does not
 * decode is dead-lettered; a partition taken away mid-record leaves that record uncommitted for its
 * next owner.
 */
export async function startTransactionalWorker<Command>(
  options: TransactionalWorkerOptions<Command>,
): Promise<TransactionalWorker> {
  const worker = new Worker(options)
  await worker.start()
  return worker
}
