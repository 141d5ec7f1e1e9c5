import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb'
import { SINK_ERROR_CODES, SinkError } from '@oxagry/sink'
import { DUPLICATE_KEY, classifyMongoError } from './errors.ts'

/** The most upserts FerretDB v1 answers in one update command. */
export const FERRETDB_MAX_UPSERTS = 99

/** Checks the `maxUpsertsPerCommand` option of a store built on guardedUpserts, once at construction. */
export function checkMaxUpsertsPerCommand(size: number | undefined): void {
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 1))
    throw new SinkError(
      SINK_ERROR_CODES.INVALID_OPTIONS,
      `maxUpsertsPerCommand must be a positive integer, got ${size}`,
      { context: { path: '/options/maxUpsertsPerCommand' } },
    )
}

/**
 * Runs guarded upserts (`filter: { _id, <stored is older> }`, `upsert: true`) in commands of `size`,
 * one after another (one key is in one command only), and returns how many applied. When the stored
 * document is newer the filter matches nothing, the upsert tries to insert the same `_id` and fails with
 * a duplicate key, which means "stale". Two writers inserting a new key at once also meet a duplicate
 * key; the loser is retried once, now as a guarded update, so the newer one wins.
 */
export async function guardedUpserts<T extends Document>(
  collection: Collection<T>,
  operations: readonly AnyBulkWriteOperation<T>[],
  size: number,
  what: string,
): Promise<number> {
  let applied = 0
  for (let i = 0; i < operations.length; i += size)
    applied += await guardedCommand(collection, operations.slice(i, i + size), what)
  return applied
}

async function guardedCommand<T extends Document>(
  collection: Collection<T>,
  operations: AnyBulkWriteOperation<T>[],
  what: string,
): Promise<number> {
  let pending = operations
  let applied = 0
  // Second round: the duplicate keys of the first, which may have lost an insert race.
  for (let round = 0; round < 2 && pending.length > 0; round++) {
    try {
      const result = await collection.bulkWrite(pending, { ordered: false })
      applied += result.upsertedCount + result.matchedCount
      pending = []
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw classifyMongoError(error, what)
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
      // The driver wraps a failure of the command itself (a refused or lost connection, a write concern)
      // in the same error with no write errors: nothing says which upserts applied, and none is stale.
      if (writeErrors.length === 0) throw classifyMongoError(error, what)
      const other = writeErrors.find((e) => e.code !== DUPLICATE_KEY)
      if (other !== undefined)
        throw classifyMongoError(
          Object.assign(error, { code: other.code }),
          `${what} (${other.errmsg ?? 'write error'})`,
        )
      applied += (error.result?.upsertedCount ?? 0) + (error.result?.matchedCount ?? 0)
      const retry = new Set(writeErrors.map((e) => e.index))
      pending = pending.filter((_, i) => retry.has(i))
    }
  }
  return applied
}
