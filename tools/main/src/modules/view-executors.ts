import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pgliteExecutor, pgUrlExecutor, sharedExecutor, type SqlExecutor } from '@oxagry/sink-postgres'

/**
 * The commerce views' SQL connections: the sinks write through `writes`, the API reads through `reads`.
 * On a server they are two pools: with one, every waiting `GET /orders/{id}?waitFor=` read again each
 * 50 ms and the sinks' writes queued behind those reads for the pool's four connections (744 ms a write
 * of the orders view at 20 checkouts/s, p90 1.5 s), so a decision became readable later, more clients
 * waited, and more reads queued. PGlite is one connection in the process, shared by both.
 */
export interface ViewExecutors {
  readonly writes: SqlExecutor
  readonly reads: SqlExecutor
  /** Ends what was opened. */
  close(): Promise<void>
  /** Where the views are, for the banner. */
  readonly description: string
}

export function openViewExecutors(config: {
  readonly postgresUrl?: string
  readonly stateDir: string
}): ViewExecutors {
  if (config.postgresUrl !== undefined) {
    const writes = pgUrlExecutor(config.postgresUrl)
    const reads = pgUrlExecutor(config.postgresUrl)
    return {
      writes,
      reads,
      close: async () => void (await Promise.all([writes.close(), reads.close()])),
      description: `PostgreSQL ${config.postgresUrl.replace(/\/\/[^@/]*@/, '//')}`,
    }
  }
  // A database of its own: two PGlite instances must not share a directory (the machine read model's).
  const dir = join(config.stateDir, 'pglite-commerce')
  const owned = pgliteExecutor(new PGlite(dir), { owns: true })
  // The stores share the executor and do not own it: close() ends it once.
  const shared = sharedExecutor(owned)
  return {
    writes: shared,
    reads: shared,
    close: () => owned.close(),
    description: `embedded PostgreSQL (PGlite, ${dir})`,
  }
}
