import { AVRO_ERROR_CODES, AvroError, type AvroErrorContext } from '../errors.ts'

// Node's network failures, as they appear in messages once an HTTP client has wrapped them.
const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|fetch failed|timeout/i

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

/** True for a 404 answer: the caller decides what is missing (a subject, a version, an id). */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404
}

/**
 * Classifies a registry failure. Unreachable, timeouts, 5xx, 408 and 429 may pass: retriable. A refusal
 * (409 incompatible, 422 invalid, other 4xx) will not. The HTTP client reports a refused connection as
 * status 400 with the socket error as text, hence the message test before the status test.
 */
export function registryError(error: unknown, what: string, context: AvroErrorContext): AvroError {
  if (error instanceof AvroError) return error
  const message = error instanceof Error ? error.message : String(error)
  const status = statusOf(error)
  const unavailable =
    NETWORK.test(message) || (status !== undefined && (status >= 500 || status === 408 || status === 429))
  return unavailable
    ? new AvroError(
        AVRO_ERROR_CODES.REGISTRY_UNAVAILABLE,
        `${what}: schema registry unavailable: ${message}`,
        {
          cause: error,
          retriable: true,
          context,
        },
      )
    : new AvroError(AVRO_ERROR_CODES.REGISTRY_REJECTED, `${what}: schema registry refused: ${message}`, {
        cause: error,
        context,
      })
}
