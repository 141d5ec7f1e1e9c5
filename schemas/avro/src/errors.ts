/** Error codes of the Avro contracts, serdes and registry clients. */
export const AVRO_ERROR_CODES = {
  /** The payload does not start with the Confluent magic byte 0: not written by a Confluent serializer. */
  BAD_MAGIC_BYTE: 'OXA_AVRO_BAD_MAGIC_BYTE',
  /** The payload ends before its header or its Avro body does. */
  TRUNCATED_PAYLOAD: 'OXA_AVRO_TRUNCATED_PAYLOAD',
  /** The Avro body does not decode with its writer schema (bad union index, trailing bytes, ...). */
  CORRUPT_PAYLOAD: 'OXA_AVRO_CORRUPT_PAYLOAD',
  /** The registry does not know the schema id in the payload. */
  UNKNOWN_SCHEMA_ID: 'OXA_AVRO_UNKNOWN_SCHEMA_ID',
  /** The writer schema cannot be read with this reader schema. */
  INCOMPATIBLE_SCHEMA: 'OXA_AVRO_INCOMPATIBLE_SCHEMA',
  /** The schema is not registered under the subject, and the serde may not register it. */
  SCHEMA_NOT_REGISTERED: 'OXA_AVRO_SCHEMA_NOT_REGISTERED',
  /** The registry could not be reached or answered 5xx; a retry may help. */
  REGISTRY_UNAVAILABLE: 'OXA_AVRO_REGISTRY_UNAVAILABLE',
  /** The registry refused the request (an incompatible schema, a bad request). */
  REGISTRY_REJECTED: 'OXA_AVRO_REGISTRY_REJECTED',
  /** A value does not match the schema it is serialized with. */
  INVALID_RECORD: 'OXA_AVRO_INVALID_RECORD',
  /** An .avsc file is not a valid schema, or breaks a project rule. */
  INVALID_SCHEMA: 'OXA_AVRO_INVALID_SCHEMA',
  /** Options given to a factory are invalid. */
  INVALID_OPTIONS: 'OXA_AVRO_INVALID_OPTIONS',
} as const

export type AvroErrorCode = (typeof AVRO_ERROR_CODES)[keyof typeof AVRO_ERROR_CODES]

/** Where an error happened; every field is optional because not every error has each. */
export interface AvroErrorContext {
  readonly topic?: string
  readonly subject?: string
  readonly schemaId?: number
  /** Dotted path of the field at fault, e.g. `OrderEvent.payload.OrderPlaced.items[].quantity`. */
  readonly field?: string
  readonly file?: string
}

export class AvroError extends Error {
  readonly code: AvroErrorCode
  /** True when the same call may succeed later (the registry was unreachable), false when it never will. */
  readonly retriable: boolean
  readonly context: AvroErrorContext

  constructor(
    code: AvroErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: AvroErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AvroError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }

  /** The topic the failing record belongs to, when there is one; the dead-letter handler keys on it. */
  get topic(): string | undefined {
    return this.context.topic
  }
}

/** Type guard that survives duplicated module instances (compares the code, not the class). */
export function isAvroError(error: unknown, code?: AvroErrorCode): error is AvroError {
  if (!(error instanceof Error) || !('code' in error) || !('retriable' in error)) return false
  const actual = (error as { code: unknown }).code
  if (typeof actual !== 'string' || !actual.startsWith('OXA_AVRO_')) return false
  return code === undefined || actual === code
}
