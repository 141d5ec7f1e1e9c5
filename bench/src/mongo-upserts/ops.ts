/**
 * The operations of the MongoDB upsert benchmark: bulk `replaceOne` with `upsert: true` by `_id`, plain or
 * guarded by a version filter (replace only when the stored `version` is lower, the Kafka Connect-style
 * upsert guard), and the documents they write. Pure, so the shapes are unit-tested.
 */
import type { AnyBulkWriteOperation, Document } from 'mongodb'

export const SCENARIOS = ['insert', 'replace', 'stale'] as const
/**
 * `insert`: the collection is empty, every upsert inserts. `replace`: the N documents exist with a lower
 * version, every upsert replaces one. `stale` (guarded only): the stored version is higher, so the filter
 * matches nothing and the upsert's insert fails with a duplicate key, which the sink reads as "stale".
 */
export type Scenario = (typeof SCENARIOS)[number]

export const GUARDS = ['plain', 'guarded'] as const
export type Guard = (typeof GUARDS)[number]

export const ID_TYPES = ['string', 'number'] as const
export type IdType = (typeof ID_TYPES)[number]

export type BenchId = string | number

export function ids(n: number, type: IdType): BenchId[] {
  return Array.from({ length: n }, (_, i) =>
    type === 'string' ? `machine-${String(i).padStart(7, '0')}` : i,
  )
}

/** A document of about the machine read model's size (a dozen fields, ~300 bytes of BSON). */
export function benchDocument(id: BenchId, version: number): Document {
  const i = typeof id === 'number' ? id : Number(id.slice(-7))
  return {
    _id: id,
    version,
    status: 'WORKING',
    eventTime: new Date(1_700_000_000_000 + version * 1000),
    latitude: 48 + (i % 1000) / 1000,
    longitude: 11 + (i % 997) / 1000,
    speedKmh: (i * 7) % 40,
    headingDegrees: (i * 13) % 360,
    accuracyMeters: 5,
    engineState: 'ON',
    fuelLevelPercent: (i * 3) % 100,
    lastPingId: `ping-${i}-${version}`,
    geofenceIds: ['field-1', 'field-2'],
  }
}

/** The filter of one upsert: `_id`, and with the guard, a stored version lower than the new one. */
export function upsertFilter(id: BenchId, version: number, guard: Guard): Document {
  return guard === 'plain' ? { _id: id } : { _id: id, version: { $lt: version } }
}

export function upsertOperations(
  batch: readonly BenchId[],
  version: number,
  guard: Guard,
): AnyBulkWriteOperation<Document>[] {
  return batch.map((id) => {
    const { _id, ...replacement } = benchDocument(id, version)
    void _id
    return { replaceOne: { filter: upsertFilter(id, version, guard), replacement, upsert: true } }
  })
}

/** The version stored before the timed upserts (none for `insert`), and the version they write. */
export function versions(scenario: Scenario): { stored: number | undefined; written: number } {
  switch (scenario) {
    case 'insert':
      return { stored: undefined, written: 2 }
    case 'replace':
      return { stored: 1, written: 2 }
    case 'stale':
      return { stored: 3, written: 2 }
  }
}

/** Splits into commands of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
