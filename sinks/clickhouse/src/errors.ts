import { permanentError, transientError, type SinkError } from '@oxagry/sink'

/** Error codes of the ClickHouse package. */
export const CLICKHOUSE_ERROR_CODES = {
  /** A DDL file could not be read or applied, or an applied one was edited afterwards. */
  MIGRATION: 'OXA_SINK_CLICKHOUSE_MIGRATION',
  /** A query for the API failed. */
  QUERY: 'OXA_SINK_CLICKHOUSE_QUERY',
  /** `CLICKHOUSE_URL` is neither http(s)://… nor chdb:<path>. */
  INVALID_URL: 'OXA_SINK_CLICKHOUSE_INVALID_URL',
  /** Options given to a ClickHouse sink or tool are inconsistent (e.g. two fact topics with one name). */
  INVALID_OPTIONS: 'OXA_SINK_CLICKHOUSE_INVALID_OPTIONS',
} as const

export type ClickHouseErrorCode = (typeof CLICKHOUSE_ERROR_CODES)[keyof typeof CLICKHOUSE_ERROR_CODES]

export class ClickHouseError extends Error {
  readonly code: ClickHouseErrorCode
  readonly retriable: boolean
  readonly context: { readonly file?: string; readonly table?: string }

  constructor(
    code: ClickHouseErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: ClickHouseError['context'] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ClickHouseError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

/**
 * ClickHouse server codes that mean the rows are at fault (they cannot be parsed or converted into the
 * columns); everything else (network, TOO_MANY_PARTS, memory limits, timeouts, and a missing table) is
 * transient to the sink, which retries and then stops rather than dead-letter good data.
 */
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '349', // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  '376', // CANNOT_PARSE_UUID
])

export function classifyClickHouseError(error: unknown, what: string): SinkError {
  const code = (error as { code?: unknown } | null)?.code
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`
  if (typeof code === 'string' && DATA_ERROR_CODES.has(code))
    return permanentError(`${message} (code ${code})`, error)
  return transientError(typeof code === 'string' ? `${message} (code ${code})` : message, error)
}
