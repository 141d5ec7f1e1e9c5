import type { KeyValueStore } from '@oxagry/streams'

/**
 * The expiry index: one entry per unconfirmed reservation, keyed `expiresAt|stockKey|orderId` with the
 * time zero-padded to a fixed width, so the store's byte order is time order and the due reservations
 * are one range read from the start, however many stock keys the task holds. The value is the entry's
 * own parts, so the punctuation does not parse the key.
 */
export interface ExpiryEntry {
  readonly expiresAt: number
  readonly stockKey: string
  readonly orderId: string
}

/** Wide enough for any millisecond timestamp up to year 33658 (Number.MAX_SAFE_INTEGER has 16 digits). */
const WIDTH = 16

function padTime(ms: number): string {
  return String(Math.max(0, Math.trunc(ms))).padStart(WIDTH, '0')
}

export function expiryKey(entry: ExpiryEntry): string {
  return `${padTime(entry.expiresAt)}|${entry.stockKey}|${entry.orderId}`
}

/**
 * Entries whose time is at or before `now`, oldest first, collected before the caller changes the
 * store. The upper bound is the bare padded `now + 1`: every key of that millisecond is longer, so
 * sorts after it, and every key of an earlier one sorts before.
 */
export function dueEntries(index: KeyValueStore<string, ExpiryEntry>, now: number): ExpiryEntry[] {
  const due: ExpiryEntry[] = []
  for (const { value } of index.range(undefined, padTime(now + 1))) due.push(value)
  return due
}
