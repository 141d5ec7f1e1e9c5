/** What became of the records a fault's traffic sent, in one store or topic. */
export interface Delivery {
  /** Records sent. */
  readonly in: number
  /** Of those, how many arrived (at least once). */
  readonly out: number
  readonly lost: number
  /** Extra copies of arrived records. */
  readonly duplicated: number
  /** Records there that were never sent. */
  readonly unexpected: number
}

/** Compares the ids sent with how often each id is found. */
export function account(sent: Iterable<string>, found: ReadonlyMap<string, number>): Delivery {
  const ids = new Set(sent)
  let out = 0
  let duplicated = 0
  for (const id of ids) {
    const n = found.get(id) ?? 0
    if (n > 0) out++
    if (n > 1) duplicated += n - 1
  }
  let unexpected = 0
  for (const [id, n] of found) if (!ids.has(id)) unexpected += n
  return { in: ids.size, out, lost: ids.size - out, duplicated, unexpected }
}

/** How often each id occurs. */
export function tally(ids: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  return counts
}

/** Restricts found counts to a subset of ids (one fault's share of a run). */
export function only(found: ReadonlyMap<string, number>, ids: ReadonlySet<string>): Map<string, number> {
  return new Map([...found].filter(([id]) => ids.has(id)))
}
