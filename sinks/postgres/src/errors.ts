import { permanentError, transientError, type SinkError } from '@oxagry/sink'

/**
 * SQLSTATE classes that mean the data is at fault: 22 (data exception: out of range, bad text) and 23
 * (integrity constraint). Everything else (connection loss 08, serialization failure 40, resources 53,
 * shutdown 57, and also a missing table 42) is transient to the sink: a deployment or availability
 * problem must stop it after its retries, not dead-letter every record.
 */
const DATA_CLASSES = new Set(['22', '23'])

/** Turns a pg or PGlite error into a SinkError the sink framework knows how to handle. */
export function classifyPostgresError(error: unknown, what: string): SinkError {
  const code = (error as { code?: unknown } | null)?.code
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && DATA_CLASSES.has(code.slice(0, 2)))
    return permanentError(`${message} (SQLSTATE ${code})`, error)
  return transientError(typeof code === 'string' ? `${message} (${code})` : message, error)
}
