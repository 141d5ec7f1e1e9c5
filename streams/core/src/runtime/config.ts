import { Ajv } from 'ajv'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { BrokerRecord, KafkaBackend, MaybePromise, RecordHeaders, Serde } from '@oxagry/kafka'
import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import { NOT_IN_THREADS } from './thread-module.ts'

export const ProcessingGuarantee = {
  AT_LEAST_ONCE: 'at_least_once',
  EXACTLY_ONCE: 'exactly_once',
} as const
export type ProcessingGuarantee = (typeof ProcessingGuarantee)[keyof typeof ProcessingGuarantee]

/** A record that failed, as a dead-letter formatter sees it. */
export interface DeadLetterFailure {
  readonly stage: 'deserialization' | 'processing'
  readonly code: string
  readonly message: string
  readonly applicationId: string
  readonly record: BrokerRecord
}

/**
 * Builds the dead-letter record, e.g. an Avro envelope the catalogue declares for the topic. Without
 * one, the original key, value and headers are sent as they were. Either way the runtime adds its
 * `x-error-*` and `x-source-*` headers, so the topic can be routed without decoding.
 */
export type DeadLetterFormatter = (failure: DeadLetterFailure) => MaybePromise<{
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: RecordHeaders
}>

/** What to do with a record that failed: stop, log it and go on, or send it to a dead-letter topic. */
export type ErrorHandling =
  'fail' | 'log-and-continue' | { readonly deadLetterTopic: string; readonly format?: DeadLetterFormatter }

export interface StreamsConfig {
  /** Names the consumer group, internal topics and state directory. */
  readonly applicationId: string
  /** kafkajs, the memory broker, or another backend. */
  readonly backend: KafkaBackend
  readonly processingGuarantee?: ProcessingGuarantee
  /** How often offsets and state are committed; 30 s at least-once, 100 ms exactly-once (Kafka Streams' defaults). */
  readonly commitIntervalMs?: number
  /** Where persistent stores and checkpoints live. */
  readonly stateDir?: string
  readonly defaultKeySerde?: Serde<unknown>
  readonly defaultValueSerde?: Serde<unknown>
  /** Records whose bytes do not deserialize. Default: fail. */
  readonly deserializationErrorHandler?: ErrorHandling
  /** Records a processor throws on. Default: fail. */
  readonly processingErrorHandler?: ErrorHandling
  /**
   * Output a sink cannot serialize. Default: fail. There are no bytes to dead-letter at this stage, so
   * the choice is stopping (a restart reprocesses) or logging and skipping the output.
   */
  readonly productionErrorHandler?: 'fail' | 'log-and-continue'
  /** Replication factor of the internal topics the application creates; the backend's default when absent. */
  readonly replicationFactor?: number
  /** How long close() may take before it gives up waiting. */
  readonly shutdownTimeoutMs?: number
  /** How often wall-clock punctuation and commit deadlines are checked. */
  readonly pollIntervalMs?: number
  /**
   * Kafka Streams' `max.task.idle.ms`: how long a task with records on some input partitions waits for
   * an empty partition that is caught up, before processing without it. 0 (the default): no wait, but
   * a partition whose records are known to be on the way is waited for; -1: never wait.
   */
  readonly maxTaskIdleMs?: number
  /**
   * Kafka Streams' `application.server`: the `host:port` this instance answers interactive queries on.
   * Every instance of the application publishes it with the partitions it owns, so any of them can say
   * which instance holds a key (`queryMetadataForKey`). Without it the instance keeps its stores to itself.
   */
  readonly applicationServer?: string
  /** How often an instance republishes its endpoint and partitions; an entry three times older is stale. */
  readonly instanceHeartbeatMs?: number
  /**
   * Kafka Streams' `task.timeout.ms` (KIP-572): how long the thread rides out a broker that is away or
   * slow (closing its tasks dirty and creating them again, with backoff) before it fails with
   * `OXA_STREAMS_TASK_TIMEOUT`. 0 fails on the first transient error. Default 300 000 (5 minutes).
   */
  readonly taskTimeoutMs?: number
  /** Kafka's `retry.backoff.ms`: the first wait before tasks are created again after a transient error. Default 100. */
  readonly retryBackoffMs?: number
  /** Kafka's `retry.backoff.max.ms`: the wait doubles up to this. Default 1000. */
  readonly retryBackoffMaxMs?: number
  /**
   * A unit of work (a batch, a commit, a rebalance step) still running after this long is waiting on
   * a broker that does not answer: the instance says not ready until it ends. Default 5000.
   */
  readonly stalledAfterMs?: number
  /**
   * Kafka Streams' `num.standby.replicas`: how many other instances keep a warm copy of each task's
   * stores from their changelogs, so the instance that takes a task over restores only the tail.
   * Placement and its difference from Kafka: the README's "Standby replicas". Default 0.
   */
  readonly numStandbyReplicas?: number
  /**
   * Kafka Streams' `num.stream.threads`: how many stream threads (worker threads, each with its own
   * consumer and producer) share this instance's tasks. Above 1 it needs `threadModule`. Default 1: the
   * one thread runs on the calling event loop. See the README's "Stream threads".
   */
  readonly numStreamThreads?: number
  /**
   * With `numStreamThreads` above 1: the module (a path or a `file:` URL) whose `buildStreamThread`
   * export builds, in each worker, what cannot cross a thread: the topology, backend, serdes, handlers.
   */
  readonly threadModule?: string
  readonly logger?: Logger
  /** Where metrics are registered; a registry of its own when absent. */
  readonly metricsRegistry?: Registry
}

export interface ResolvedConfig extends StreamsConfig {
  readonly processingGuarantee: ProcessingGuarantee
  readonly commitIntervalMs: number
  readonly stateDir: string
  readonly deserializationErrorHandler: ErrorHandling
  readonly processingErrorHandler: ErrorHandling
  readonly productionErrorHandler: 'fail' | 'log-and-continue'
  readonly replicationFactor?: number
  readonly shutdownTimeoutMs: number
  readonly pollIntervalMs: number
  readonly maxTaskIdleMs: number
  readonly instanceHeartbeatMs: number
  readonly taskTimeoutMs: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  readonly stalledAfterMs: number
  readonly numStandbyReplicas: number
  readonly numStreamThreads: number
}

const handlerSchema = {
  oneOf: [
    { enum: ['fail', 'log-and-continue'] },
    {
      type: 'object',
      required: ['deadLetterTopic'],
      additionalProperties: false,
      properties: { deadLetterTopic: { type: 'string', minLength: 1 }, format: {} },
    },
  ],
}

/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address; the port is checked apart. */
const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/

const schema = {
  type: 'object',
  required: ['applicationId', 'backend'],
  properties: {
    applicationId: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    backend: { type: 'object' },
    processingGuarantee: { enum: ['at_least_once', 'exactly_once'] },
    commitIntervalMs: { type: 'integer', minimum: 1 },
    stateDir: { type: 'string', minLength: 1 },
    deserializationErrorHandler: handlerSchema,
    processingErrorHandler: handlerSchema,
    productionErrorHandler: { enum: ['fail', 'log-and-continue'] },
    replicationFactor: { type: 'integer', minimum: 1 },
    shutdownTimeoutMs: { type: 'integer', minimum: 0 },
    pollIntervalMs: { type: 'integer', minimum: 1 },
    maxTaskIdleMs: { type: 'integer', minimum: -1 },
    applicationServer: { type: 'string', pattern: HOST_PORT.source },
    instanceHeartbeatMs: { type: 'integer', minimum: 10 },
    taskTimeoutMs: { type: 'integer', minimum: 0 },
    retryBackoffMs: { type: 'integer', minimum: 1 },
    retryBackoffMaxMs: { type: 'integer', minimum: 1 },
    stalledAfterMs: { type: 'integer', minimum: 1 },
    numStandbyReplicas: { type: 'integer', minimum: 0 },
    numStreamThreads: { type: 'integer', minimum: 1 },
    threadModule: { type: 'string', minLength: 1 },
  },
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)

/** Validates the config once, at construction, and fills in the defaults. */
export function resolveConfig(config: StreamsConfig, defaultStateDir: string): ResolvedConfig {
  if (!validate(config)) {
    const problems = (validate.errors ?? [])
      .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
      .map(
        (e) =>
          `/config${e.instancePath} ${e.message ?? 'is invalid'}${e.keyword === 'enum' ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`,
      )
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `invalid streams config:\n  ${[...new Set(problems)].join('\n  ')}`,
    )
  }
  if (
    config.retryBackoffMs !== undefined &&
    config.retryBackoffMaxMs !== undefined &&
    config.retryBackoffMaxMs < config.retryBackoffMs
  ) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.INVALID_CONFIG,
      `invalid streams config:\n  /config/retryBackoffMaxMs ${config.retryBackoffMaxMs} is below /config/retryBackoffMs ${config.retryBackoffMs}`,
    )
  }
  if (config.applicationServer !== undefined) {
    const port = Number(config.applicationServer.slice(config.applicationServer.lastIndexOf(':') + 1))
    if (port < 1 || port > 65_535) {
      throw new StreamsError(
        STREAMS_ERROR_CODES.INVALID_CONFIG,
        `invalid streams config:\n  /config/applicationServer port ${port} is outside 1-65535`,
      )
    }
  }
  checkThreads(config)
  const guarantee = config.processingGuarantee ?? 'at_least_once'
  return {
    ...config,
    processingGuarantee: guarantee,
    commitIntervalMs: config.commitIntervalMs ?? (guarantee === 'exactly_once' ? 100 : 30_000),
    stateDir: config.stateDir ?? defaultStateDir,
    deserializationErrorHandler: config.deserializationErrorHandler ?? 'fail',
    processingErrorHandler: config.processingErrorHandler ?? 'fail',
    productionErrorHandler: config.productionErrorHandler ?? 'fail',
    ...(config.replicationFactor === undefined ? {} : { replicationFactor: config.replicationFactor }),
    shutdownTimeoutMs: config.shutdownTimeoutMs ?? 30_000,
    pollIntervalMs: config.pollIntervalMs ?? 100,
    maxTaskIdleMs: config.maxTaskIdleMs ?? 0,
    instanceHeartbeatMs: config.instanceHeartbeatMs ?? 5_000,
    taskTimeoutMs: config.taskTimeoutMs ?? 300_000,
    retryBackoffMs: config.retryBackoffMs ?? 100,
    retryBackoffMaxMs: Math.max(config.retryBackoffMaxMs ?? 1_000, config.retryBackoffMs ?? 100),
    stalledAfterMs: config.stalledAfterMs ?? 5_000,
    numStandbyReplicas: config.numStandbyReplicas ?? 0,
    numStreamThreads: config.numStreamThreads ?? 1,
  }
}

/** The rules between `numStreamThreads` and the options it needs or does not support yet. */
function checkThreads(config: StreamsConfig): void {
  const threads = config.numStreamThreads ?? 1
  if (threads === 1) return
  const problem =
    config.threadModule === undefined
      ? `/config/numStreamThreads ${threads} needs /config/threadModule: a worker thread cannot receive the topology, only build it`
      : (config.numStandbyReplicas ?? 0) > 0
        ? `/config/numStandbyReplicas is not supported with /config/numStreamThreads above 1 yet: standbys are placed per instance, and the threads of one are separate isolates`
        : NOT_IN_THREADS[config.backend.name] !== undefined
          ? `/config/numStreamThreads above 1 with a ${config.backend.name} backend: ${NOT_IN_THREADS[config.backend.name]}`
          : undefined
  if (problem !== undefined) {
    throw new StreamsError(STREAMS_ERROR_CODES.INVALID_CONFIG, `invalid streams config:\n  ${problem}`)
  }
}
