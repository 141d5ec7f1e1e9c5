import { MongoServerError } from 'mongodb'
import { permanentError, transientError, type SinkError } from '@oxagry/sink'

/** Server error codes that mean the document is at fault: retrying the same data cannot help. */
const DATA_ERROR_CODES = new Set([
  2, // BadValue
  14, // TypeMismatch
  52, // DollarPrefixedFieldName
  121, // DocumentValidationFailure
  10334, // BSONObjectTooLarge
  17280, // KeyTooLong
])

/**
 * Network errors, server selection timeouts, elections and anything unrecognised are transient: the
 * sink retries them and stops after its budget rather than dead-letter good data.
 */
export function classifyMongoError(error: unknown, what: string): SinkError {
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`
  if (error instanceof MongoServerError && typeof error.code === 'number' && DATA_ERROR_CODES.has(error.code))
    return permanentError(`${message} (code ${error.code})`, error)
  return transientError(message, error)
}

export const DUPLICATE_KEY = 11000
