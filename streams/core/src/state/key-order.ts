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

/** Entries whose key bytes lie in [from, to] (either bound open when undefined), from sorted entries. */
export function* inRange<K, V>(
  sorted: readonly { readonly bytes: Buffer; readonly key: K; readonly value: V }[],
  from: Buffer | undefined,
  to: Buffer | undefined,
  reverse: boolean,
): IterableIterator<KeyValue<K, V>> {
  // Kafka Streams answers an inverted range with nothing (and a warning), not an error.
  if (from !== undefined && to !== undefined && compareKeyBytes(from, to) > 0) return
  const inside = (bytes: Buffer): boolean =>
    (from === undefined || compareKeyBytes(bytes, from) >= 0) &&
    (to === undefined || compareKeyBytes(bytes, to) <= 0)
  const list = reverse ? [...sorted].reverse() : sorted
  for (const entry of list) if (inside(entry.bytes)) yield { key: entry.key, value: entry.value }
}
