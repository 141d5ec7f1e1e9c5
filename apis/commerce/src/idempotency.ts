import { createHash } from 'node:crypto'
import { ApiError } from '@oxagry/api-http'

/**
 * The body digests of the idempotency keys this API instance has seen, newest last, at most `capacity`
 * of them (the oldest are forgotten first). A key seen again with another digest is refused with 409;
 * a key this instance has forgotten (or never saw: another instance, a restart) is let through, and
 * the orders processor refuses the second OrderPlaced for the same order id with another body.
 *
 * In memory and per instance on purpose: the authority is the event log and the processor's store; this
 * only turns the common case (a client reusing a key with this instance) into an immediate 409.
 */
export class IdempotencyDigests {
  private readonly digests = new Map<string, string>()

  constructor(readonly capacity: number = 100_000) {}

  /** Records the key's digest, or throws 409 when the key is known with another one. */
  claim(key: string, digest: string, what: string): void {
    const known = this.digests.get(key)
    if (known !== undefined && known !== digest)
      throw new ApiError(
        'OXA_API_CONFLICT',
        `header/idempotency-key was already used for ${what} with another body: use a new key for a new request`,
      )
    // Refreshed on every use, so a key retried often stays known.
    this.digests.delete(key)
    this.digests.set(key, digest)
    if (this.digests.size > this.capacity) {
      const oldest = this.digests.keys().next()
      if (oldest.done !== true) this.digests.delete(oldest.value)
    }
  }

  get size(): number {
    return this.digests.size
  }
}

/** SHA-256 of a JSON value with its object keys sorted: equal bodies have equal digests. */
export function bodyDigest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex')
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}
