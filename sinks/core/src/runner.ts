import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import type { BackendAdmin, BackendProducer } from '@oxagry/kafka'
import { BrokerWatch } from './broker-watch.ts'
import { SINK_ERROR_CODES, SinkError, errorMessage, isRetriable } from './errors.ts'
import { SinkMetrics } from './metrics.ts'
import { resolveSinkOptions, type ResolvedSinkOptions, type SinkOptions } from './options.ts'
import { RetryPolicy } from './retry-policy.ts'
import { SinkConsumer } from './sink-consumer.ts'
import { SinkState, type SinkHandle, type SinkHealth } from './sink-health.ts'
import { SinkStatus } from './sink-status.ts'
import { SinkTask } from './sink-task.ts'

/**
 * The sink's front, as Kafka Connect's WorkerTask: opens and closes what the sink uses (target,
 * dead-letter producer, admin, consumer), and fails or stops it. The batch loop is the SinkTask, the
 * group member and its replacement the SinkConsumer, retries the RetryPolicy, health the SinkStatus.
 */
class Sink<T> implements SinkHandle {
  readonly metrics: SinkMetrics
  readonly closed: Promise<{ state: SinkState; error?: unknown }>
  private readonly logger: Logger
  private readonly labels: { sink: string; target: string }
  private readonly status: SinkStatus
  private readonly task: SinkTask<T>
  private readonly consumer: SinkConsumer
  private readonly brokerWatch: BrokerWatch
  private producer: BackendProducer | undefined
  private admin: BackendAdmin | undefined
  private lagTimer: NodeJS.Timeout | undefined
  private stopping: Promise<void> | undefined
  /** Aborted by stop(): a backoff sleep ends at once and the retry gives up. */
  private readonly abort = new AbortController()
  private settle: (result: { state: SinkState; error?: unknown }) => void = () => {}

  constructor(private readonly options: ResolvedSinkOptions<T>) {
    this.metrics = new SinkMetrics(options.metricsRegistry ?? new Registry())
    this.logger = (options.logger ?? pino({ name: 'oxagry-sink' })).child({
      sink: options.groupId,
      target: options.target.name,
    })
    this.labels = { sink: options.groupId, target: options.target.name }
    this.closed = new Promise((resolve) => (this.settle = resolve))
    const { metrics, labels, logger } = this
    this.status = new SinkStatus({
      metrics,
      labels,
      brokerReachable: () => this.brokerWatch.isReachable,
      buffered: () => this.task.buffered,
    })
    const retry = new RetryPolicy({
      retry: options.retry,
      metrics,
      labels,
      logger,
      stopped: this.abort.signal,
      lost: () => this.consumer.lost,
      heartbeat: () => this.task.beat(),
      onRetrying: (error) => this.status.retrying(error),
      onRecovered: (what, attempts) => {
        if (this.consumer.restarting !== undefined || !this.status.recovered()) return
        this.logger.info({ what, attempts }, 'recovered: the retried call succeeded')
      },
    })
    this.task = new SinkTask({
      options,
      status: this.status,
      retry,
      metrics,
      labels,
      logger,
      consumer: () => this.consumer.current,
      producer: () => this.producer,
      lost: () => this.consumer.lost,
      onFailed: (error, batchId) => this.fail(error, batchId),
    })
    this.consumer = new SinkConsumer({
      options,
      task: this.task,
      status: this.status,
      metrics,
      labels,
      logger,
      stopped: this.abort.signal,
      onFatal: (error) => this.fail(error),
    })
    this.brokerWatch = new BrokerWatch({
      probe: () => this.consumer.probe(),
      intervalMs: options.brokerProbeIntervalMs,
      unreachableAfterMs: options.brokerUnreachableAfterMs,
      onChange: (reachable, error) => {
        if (reachable) this.logger.info('the broker answers the group again')
        else {
          this.status.lastError = new SinkError(
            SINK_ERROR_CODES.BROKER_UNREACHABLE,
            `no answer from the group coordinator for ${options.brokerUnreachableAfterMs} ms` +
              (error === undefined ? '' : `: ${errorMessage(error)}`),
            { cause: error, retriable: true, context: { target: this.labels.target } },
          )
          this.logger.warn({ err: this.status.lastError }, 'the broker does not answer the group: not ready')
        }
        this.status.publishUp()
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
    this.status.state = SinkState.RUNNING
    this.status.publishUp()
    await this.consumer.run()
    this.brokerWatch.start()
    if (this.options.lagIntervalMs > 0) {
      this.lagTimer = setInterval(() => void this.consumer.measureLag(this.admin), this.options.lagIntervalMs)
      this.lagTimer.unref()
    }
    this.logger.info({ topics: this.options.topics }, 'sink started')
  }

  /** Closes whatever `open` got to, the target included (its start may have connected before failing). */
  private async abandonStart(error: SinkError): Promise<void> {
    this.status.state = SinkState.FAILED
    this.status.lastError = error
    this.status.publishDown()
    this.brokerWatch.stop()
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer)
    this.logger.error({ err: error }, 'sink failed to start: closing what was opened')
    const quietly = (what: string) => (e: unknown) => this.logger.warn({ err: e }, `${what} failed`)
    await this.consumer.current?.stop().catch(quietly('stopping the consumer'))
    await this.producer?.close().catch(quietly('closing the dead-letter producer'))
    await this.admin?.close().catch(quietly('closing the admin'))
    await this.options.target.close?.().catch(quietly('closing the target'))
    this.stopping = Promise.resolve()
    this.settle({ state: this.status.state, error })
  }

  health(): SinkHealth {
    return this.status.health()
  }

  private fail(error: unknown, batchId?: string): void {
    if (this.status.state === SinkState.FAILED) return
    this.status.state = SinkState.FAILED
    this.status.lastError = error
    this.status.publishDown()
    this.logger.error({ err: error, batchId }, 'sink failed: stopping without committing the batch')
    this.task.dropBuffer()
    // Not awaited: the consumer may be inside eachBatch, which waits for this flush.
    setImmediate(() => {
      this.stopping ??= this.shutDown(error)
    })
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    if (this.status.accepting || this.status.state === SinkState.STARTING)
      this.status.state = SinkState.STOPPING
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
      await this.task.flush().catch(() => {})
      await this.consumer.restarting
      await this.consumer.current
        ?.stop()
        .catch((e) => this.logger.warn({ err: e }, 'leaving the group failed'))
      await this.producer?.close().catch(() => {})
      await this.admin?.close().catch(() => {})
      await this.options.target
        .close?.()
        .catch((e) => this.logger.warn({ err: e }, 'closing the target failed'))
    })()
    const outcome = await Promise.race([work.then(() => 'done' as const), bounded])
    clearTimeout(timeout)
    if (this.status.state !== SinkState.FAILED) this.status.state = SinkState.STOPPED
    this.status.publishDown()
    if (outcome === 'timeout') this.logger.warn({ boundMs: this.options.shutdownTimeoutMs }, 'stop timed out')
    else this.logger.info({ state: this.status.state }, 'sink stopped')
    const cause = error ?? (this.task.abandoned ? this.status.lastError : undefined)
    this.settle({ state: this.status.state, ...(cause === undefined ? {} : { error: cause }) })
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
