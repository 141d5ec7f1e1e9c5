/** Error codes of the sinks. */
export const SINK_ERROR_CODES = {
  /** Options that do not validate; the message names the path. */
  INVALID_OPTIONS: 'OXA_SINK_INVALID_OPTIONS',
  /** A record's bytes could not be decoded into a write model. */
  DECODE: 'OXA_SINK_DECODE',
  /** The target failed in a way a later attempt may fix (connection lost, timeout, overload). */
  TRANSIENT: 'OXA_SINK_TRANSIENT',
  /** The target refused the data itself (constraint, type error); retrying the same data cannot help. */
  PERMANENT: 'OXA_SINK_PERMANENT',
  /** Transient failures outlasted the retry budget: the sink stops without committing. */
  RETRIES_EXHAUSTED: 'OXA_SINK_RETRIES_EXHAUSTED',
  /** A dead letter could not be produced: the sink stops without committing. */
  DEAD_LETTER: 'OXA_SINK_DEAD_LETTER',
  /** Committing offsets failed. */
  COMMIT: 'OXA_SINK_COMMIT',
  /** The broker did not answer the sink's group for a while: it can neither consume nor commit. */
  BROKER_UNREACHABLE: 'OXA_SINK_BROKER_UNREACHABLE',
  /** A read model call with bad arguments (limit, bbox, cursor). */
  INVALID_QUERY: 'OXA_SINK_INVALID_QUERY',
  /** Schema or index set-up failed. */
  SCHEMA: 'OXA_SINK_SCHEMA',
  /** The sink was stopped or failed before the call, or stopped while a write was being retried. */
  STOPPED: 'OXA_SINK_STOPPED',
  /** Starting failed (target, dead-letter producer, admin or consumer); what was opened is closed again. */
  START: 'OXA_SINK_START',
  /** A value of a discriminated union no `switch` case handles: decoder and target do not fit together. */
  UNEXPECTED_VARIANT: 'OXA_SINK_UNEXPECTED_VARIANT',
} as const

export type SinkErrorCode = (typeof SINK_ERROR_CODES)[keyof typeof SINK_ERROR_CODES]

/** Where an error happened: the record and the target, when known. */
export interface SinkErrorContext {
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly target?: string
  readonly batchId?: string
  readonly path?: string
}

export class SinkError extends Error {
  readonly code: SinkErrorCode
  /** Whether trying again (the same call, later) can help. */
  readonly retriable: boolean
  readonly context: SinkErrorContext

  constructor(
    code: SinkErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: SinkErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SinkError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

/** A target failure a retry may fix. */
export function transientError(message: string, cause?: unknown, context: SinkErrorContext = {}): SinkError {
  return new SinkError(SINK_ERROR_CODES.TRANSIENT, message, { cause, retriable: true, context })
}

/** A target failure caused by the data: the records go to the dead-letter topic. */
export function permanentError(message: string, cause?: unknown, context: SinkErrorContext = {}): SinkError {
  return new SinkError(SINK_ERROR_CODES.PERMANENT, message, { cause, retriable: false, context })
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The code of a typed error from any package (`OXA_…`), else a generic one. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.length > 0 ? code : 'OXA_SINK_UNKNOWN'
}

/**
 * Whether an error is worth retrying: a typed error says so itself (`retriable`, as SinkError,
 * KafkaError and AvroError carry); anything else is treated as transient, since an unclassified
 * failure is more often the network than the data and retrying costs only time.
 */
export function isRetriable(error: unknown): boolean {
  const retriable = (error as { retriable?: unknown } | null)?.retriable
  return typeof retriable === 'boolean' ? retriable : true
}
