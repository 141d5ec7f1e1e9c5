import type { Collection, Document, IndexSpecification } from 'mongodb'
import { classifyMongoError } from './errors.ts'

const NAMESPACE_NOT_FOUND = 26

export interface NamedIndex {
  readonly name: string
  readonly key: IndexSpecification
}

/**
 * Creates the missing indexes one at a time. FerretDB v1 drops the connection (a panic on its side)
 * when `createIndexes` names several indexes that all exist already, so existing ones are listed first.
 */
export async function ensureIndexes<T extends Document>(
  collection: Collection<T>,
  indexes: readonly NamedIndex[],
): Promise<void> {
  try {
    const existing = new Set(
      (
        await collection
          .listIndexes()
          .toArray()
          .catch((error: unknown) => {
            // The collection does not exist yet: it has no indexes.
            if ((error as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return []
            throw error
          })
      ).map((i) => i.name as string),
    )
    for (const index of indexes) {
      if (!existing.has(index.name)) await collection.createIndex(index.key, { name: index.name })
    }
  } catch (error) {
    throw classifyMongoError(error, `creating indexes on ${collection.collectionName}`)
  }
}
