/**
 * Whether a member whose next offset is `next` has caught up with `end`, the end its fetch found (see
 * `Batch.caughtUp`). Under read_committed the end is the last stable offset, which lies past the last
 * transaction's commit marker, and no client hands markers over: a batch of a committed transaction
 * ends one offset short of it, so one offset short still counts. It is a hint: a wrong yes costs the
 * application one more, smaller write; a wrong no, one wait for more records.
 */
export function caughtUp(next: bigint, end: bigint, readCommitted: boolean): boolean {
  return next >= end - (readCommitted ? 1n : 0n)
}
