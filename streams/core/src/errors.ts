/** Error codes of the streams library. */
export const STREAMS_ERROR_CODES = {
  TOPOLOGY: 'OXA_STREAMS_TOPOLOGY',
  MISSING_SERDE: 'OXA_STREAMS_MISSING_SERDE',
  UNKNOWN_STORE: 'OXA_STREAMS_UNKNOWN_STORE',
  NOT_COPARTITIONED: 'OXA_STREAMS_NOT_COPARTITIONED',
  INVALID_CONFIG: 'OXA_STREAMS_INVALID_CONFIG',
  DESERIALIZATION: 'OXA_STREAMS_DESERIALIZATION',
  SERIALIZATION: 'OXA_STREAMS_SERIALIZATION',
  PROCESSING: 'OXA_STREAMS_PROCESSING',
  PRODUCTION: 'OXA_STREAMS_PRODUCTION',
  ASYNC_SERDE: 'OXA_STREAMS_ASYNC_SERDE',
  STATE: 'OXA_STREAMS_STATE',
  /** Kafka failed a call the runtime made (the client's KafkaError is the cause). */
  BROKER: 'OXA_STREAMS_BROKER',
  SHUTDOWN_TIMEOUT: 'OXA_STREAMS_SHUTDOWN_TIMEOUT',
  /**
   * The broker stayed away (or slow) past `taskTimeoutMs`: the thread made no progress for that long
   * (Kafka Streams' task.timeout.ms, KIP-572). The last transient error is the cause.
   */
  TASK_TIMEOUT: 'OXA_STREAMS_TASK_TIMEOUT',
  /** A suppression buffer set to shut down when full went over its bounds. */
  SUPPRESS_BUFFER_FULL: 'OXA_STREAMS_SUPPRESS_BUFFER_FULL',
  /** Interactive queries: the owner of a key is not known now (a rebalance, an instance gone); retry. */
  NOT_AVAILABLE: 'OXA_STREAMS_NOT_AVAILABLE',
  /** Interactive queries: a key given in a request that does not parse or serialize. */
  INVALID_KEY: 'OXA_STREAMS_INVALID_KEY',
  /** Interactive queries: the store holds no value for the key. */
  KEY_NOT_FOUND: 'OXA_STREAMS_KEY_NOT_FOUND',
  /** Interactive queries: the owning instance did not answer a forwarded lookup. */
  FORWARD_FAILED: 'OXA_STREAMS_FORWARD_FAILED',
} as const

export type StreamsErrorCode = (typeof STREAMS_ERROR_CODES)[keyof typeof STREAMS_ERROR_CODES]

/** Where in the stream an error happened, when it happened on a record. */
export interface RecordContext {
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly node?: string
  readonly store?: string
}

export class StreamsError extends Error {
  readonly code: StreamsErrorCode
  /** Whether trying again (the same call, later) can help. */
  readonly retriable: boolean
  readonly context: RecordContext

  constructor(
    code: StreamsErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: RecordContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'StreamsError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

/** A topology mistake found while building: names the node at fault. */
export class TopologyError extends StreamsError {
  constructor(
    message: string,
    code: StreamsErrorCode = STREAMS_ERROR_CODES.TOPOLOGY,
    context: RecordContext = {},
  ) {
    super(code, message, { context })
    this.name = 'TopologyError'
  }
}

/** Bytes that did not deserialize; carries the original bytes so nothing is lost. */
export class DeserializationError extends StreamsError {
  readonly key: Buffer | null
  readonly value: Buffer | null

  constructor(
    message: string,
    key: Buffer | null,
    value: Buffer | null,
    context: RecordContext,
    cause: unknown,
  ) {
    super(STREAMS_ERROR_CODES.DESERIALIZATION, message, { cause, context })
    this.name = 'DeserializationError'
    this.key = key
    this.value = value
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
