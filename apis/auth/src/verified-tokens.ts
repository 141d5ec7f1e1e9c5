/**
 * Tokens that verified, with what they grant, kept so a client's next request with the same token is
 * not verified again: an ES256 signature check costs 0.1-0.2 ms, which bounds an API to a few thousand
 * requests/s per core whatever the route does (as `@fastify/jwt`'s verify cache, from fast-jwt).
 *
 * An entry lasts until the token expires (with the clock tolerance its verification allowed) or for
 * `ttlMs`, whichever comes first, so a key removed from the provider's JWKS stops being honoured within
 * `ttlMs`. Only successes are kept; the least recently used entry goes when `max` is reached.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly until: number }>()

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): T | undefined {
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    this.entries.delete(token)
    if (entry.until <= this.now()) return undefined
    // Map keeps insertion order: put back, the entry is the most recently used.
    this.entries.set(token, entry)
    return entry.value
  }

  /** `expiresAtMs`: when the token stops verifying (its `exp`, plus the clock tolerance). */
  set(token: string, value: T, expiresAtMs: number): void {
    if (this.max <= 0) return
    this.entries.delete(token)
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
    this.entries.set(token, { value, until: Math.min(expiresAtMs, this.now() + this.ttlMs) })
  }

  get size(): number {
    return this.entries.size
  }
}
