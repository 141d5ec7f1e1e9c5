import { Ajv } from 'ajv'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { BrokerRecord, KafkaBackend, MaybePromise } from '@oxagry/kafka'
import type { RetryOptions } from './backoff.ts'
import type { DeadLetterOptions } from './dead-letter.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import type { SinkTarget } from './target.ts'

/** When a batch is flushed: whichever comes first. */
export interface BatchOptions {
  /** Records buffered before a flush. */
  readonly maxRecords: number
  /** Time from the first buffered record to a flush. */
  readonly maxWaitMs: number
  /**
   * What a delivery that reached the end of its partition does (`Batch.caughtUp`: nothing more was
   * waiting there). `'write'` (the default) flushes at once, as Kafka Connect writes each poll's records:
   * waiting would only delay the view its readers are waiting on. `'wait'` keeps buffering up to
   * `maxWaitMs`, for a store that wants few large writes (ClickHouse's parts). Unset: what the target
   * says (`SinkTarget.whenCaughtUp`), else `'write'`.
   */
  readonly whenCaughtUp?: 'write' | 'wait'
}

/**
 * Turns a record into the items a target writes: one, several, or none (`null`, e.g. a tombstone the
 * target does not store; counted as skipped). A throw dead-letters the record at stage DESERIALIZATION.
 */
export type Decode<T> = (record: BrokerRecord) => MaybePromise<T | readonly T[] | null>

export interface SinkOptions<T> {
  /** Kafka (`KafkaJsBackend`) or the in-process broker (`MemoryBackend`). */
  readonly backend: KafkaBackend
  /** The consumer group: where committed offsets live, and the sink's name in metrics and dead letters. */
  readonly groupId: string
  /** Defaults to the group id. */
  readonly clientId?: string
  readonly topics: readonly string[]
  readonly decode: Decode<T>
  readonly target: SinkTarget<T>
  /** Default 500 records or 1000 ms. */
  readonly batch?: BatchOptions
  /** Default: forever, 200 ms doubling up to 30 s (see RetryOptions.attempts). */
  readonly retry?: RetryOptions
  readonly deadLetter: DeadLetterOptions
  /** Default: pino JSON on stdout. */
  readonly logger?: Logger
  /** Default: a registry of its own. */
  readonly metricsRegistry?: Registry
  /** How often consumer lag is measured; 0 turns it off. Default 5000. */
  readonly lagIntervalMs?: number
  /** Only committed transactional records. Default true. */
  readonly readCommitted?: boolean
  /** Bound for `stop()`: flush, commit and leave. Default 30000. */
  readonly shutdownTimeoutMs?: number
  /**
   * How often the sink asks the broker for its group's committed offsets, to tell whether it can
   * consume and commit at all (see BrokerWatch); 0 turns it off. Default 1000.
   */
  readonly brokerProbeIntervalMs?: number
  /** Not ready once no such answer came for this long. Default 5000. */
  readonly brokerUnreachableAfterMs?: number
}

export interface ResolvedSinkOptions<T> extends SinkOptions<T> {
  readonly clientId: string
  readonly batch: BatchOptions
  readonly retry: RetryOptions
  readonly lagIntervalMs: number
  readonly readCommitted: boolean
  readonly shutdownTimeoutMs: number
  readonly brokerProbeIntervalMs: number
  readonly brokerUnreachableAfterMs: number
}

const positiveInt = { type: 'integer', minimum: 1 }
/** A store that is down is waited for, never given up on: see RetryOptions.attempts. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 'forever', baseMs: 200, maxMs: 30_000 }
const schema = {
  type: 'object',
  required: ['backend', 'groupId', 'topics', 'decode', 'target', 'deadLetter'],
  properties: {
    groupId: { type: 'string', minLength: 1 },
    clientId: { type: 'string', minLength: 1 },
    topics: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    batch: {
      type: 'object',
      additionalProperties: false,
      required: ['maxRecords', 'maxWaitMs'],
      properties: {
        maxRecords: positiveInt,
        maxWaitMs: positiveInt,
        whenCaughtUp: { enum: ['write', 'wait'] },
      },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      required: ['attempts', 'baseMs', 'maxMs'],
      properties: {
        attempts: { oneOf: [positiveInt, { const: 'forever' }] },
        baseMs: { type: 'integer', minimum: 0 },
        maxMs: positiveInt,
      },
    },
    deadLetter: {
      type: 'object',
      additionalProperties: false,
      required: ['topic', 'serializer'],
      properties: { topic: { type: 'string', minLength: 1 }, serializer: { type: 'object' } },
    },
    lagIntervalMs: { type: 'integer', minimum: 0 },
    readCommitted: { type: 'boolean' },
    shutdownTimeoutMs: positiveInt,
    brokerProbeIntervalMs: { type: 'integer', minimum: 0 },
    brokerUnreachableAfterMs: positiveInt,
  },
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)

function invalid(problems: readonly string[]): never {
  throw new SinkError(SINK_ERROR_CODES.INVALID_OPTIONS, `invalid sink options:\n  ${problems.join('\n  ')}`, {
    context: { path: problems[0]?.split(' ')[0] ?? '/options' },
  })
}

/** Validates the options once, before anything connects, and fills in the defaults. */
export function resolveSinkOptions<T>(options: SinkOptions<T>): ResolvedSinkOptions<T> {
  if (!validate(options)) {
    invalid(
      [
        ...new Set(
          (validate.errors ?? []).map((e) => `/options${e.instancePath} ${e.message ?? 'is invalid'}`),
        ),
      ].sort(),
    )
  }
  const problems: string[] = []
  if (typeof options.decode !== 'function') problems.push('/options/decode must be a function')
  if (typeof options.target?.write !== 'function')
    problems.push('/options/target must have write(items, context)')
  if (typeof options.target?.name !== 'string' || options.target.name === '')
    problems.push('/options/target/name must be a non-empty string')
  if (typeof options.backend?.consumer !== 'function')
    problems.push('/options/backend must be a KafkaBackend')
  if (typeof options.deadLetter.serializer.serialize !== 'function')
    problems.push('/options/deadLetter/serializer must have serialize(topic, value, headers)')
  // Rules across options.
  if (options.topics.includes(options.deadLetter.topic))
    problems.push('/options/deadLetter/topic must not be one of /options/topics: a failure would loop')
  if (options.retry !== undefined && options.retry.baseMs > options.retry.maxMs)
    problems.push('/options/retry/baseMs must be <= /options/retry/maxMs')
  if (
    options.brokerProbeIntervalMs !== undefined &&
    options.brokerProbeIntervalMs > 0 &&
    options.brokerProbeIntervalMs > (options.brokerUnreachableAfterMs ?? 5000)
  )
    problems.push('/options/brokerProbeIntervalMs must be <= /options/brokerUnreachableAfterMs')
  if (problems.length > 0) invalid(problems)
  return Object.freeze({
    ...options,
    clientId: options.clientId ?? options.groupId,
    batch: Object.freeze({
      ...(options.batch ?? { maxRecords: 500, maxWaitMs: 1000 }),
      whenCaughtUp: options.batch?.whenCaughtUp ?? options.target.whenCaughtUp ?? 'write',
    }),
    retry: Object.freeze({ ...(options.retry ?? DEFAULT_RETRY) }),
    lagIntervalMs: options.lagIntervalMs ?? 5000,
    readCommitted: options.readCommitted ?? true,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    brokerProbeIntervalMs: options.brokerProbeIntervalMs ?? 1000,
    brokerUnreachableAfterMs: options.brokerUnreachableAfterMs ?? 5000,
  })
}
