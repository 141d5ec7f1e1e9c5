import type { KeyValue } from '../record.ts'

/**
 * Kafka Streams orders keys by their serialized bytes, compared unsigned and lexicographically
 * (`Bytes.BYTES_LEXICO_COMPARATOR`); stores iterate in that order, so must ours.
 */
export function compareKeyBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b)
}

export function hasPrefix(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix)
}

/** The first index whose bytes are at or above (`strict`: above) the bound, in sorted entries. */
export function lowerBound(
  sorted: readonly { readonly bytes: Buffer }[],
  bound: Buffer,
  strict = false,
): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const c = compareKeyBytes((sorted[mid] as { readonly bytes: Buffer }).bytes, bound)
    if (c < 0 || (strict && c === 0)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Entries whose key bytes lie in [from, to] (either bound open when undefined), from sorted entries,
 * found by binary search. The entries are taken when called, so the store may change while the caller
 * iterates (a join deletes what it has just read).
 */
export function inRange<K, V>(
  sorted: readonly { readonly bytes: Buffer; readonly key: K; readonly value: V }[],
  from: Buffer | undefined,
  to: Buffer | undefined,
  reverse: boolean,
): IterableIterator<KeyValue<K, V>> {
  // Kafka Streams answers an inverted range with nothing (and a warning), not an error.
  if (from !== undefined && to !== undefined && compareKeyBytes(from, to) > 0) return [][Symbol.iterator]()
  const lo = from === undefined ? 0 : lowerBound(sorted, from)
  const hi = to === undefined ? sorted.length : lowerBound(sorted, to, true)
  const slice = sorted.slice(lo, Math.max(lo, hi)).map((e) => ({ key: e.key, value: e.value }))
  if (reverse) slice.reverse()
  return slice[Symbol.iterator]()
}
