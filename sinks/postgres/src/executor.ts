import type { PGlite } from '@electric-sql/pglite'
import pg, { type Pool } from 'pg'

/**
 * The little the read model needs of PostgreSQL, so it runs on a server through `pg` and embedded
 * through PGlite alike.
 */
export interface SqlExecutor {
  /** One statement with `$n` parameters. */
  query<R>(sql: string, params?: readonly unknown[]): Promise<{ readonly rows: R[] }>
  /** Several statements, no parameters (DDL). */
  exec(sql: string): Promise<void>
  /** Closes the pool or database, when this executor owns it. */
  close(): Promise<void>
}

/** Over a `pg` Pool; `owns: true` ends the pool on close. */
export function pgExecutor(pool: Pool, options: { readonly owns?: boolean } = {}): SqlExecutor {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await pool.query(sql, [...params])
      return { rows: result.rows as R[] }
    },
    async exec(sql) {
      await pool.query(sql)
    },
    async close() {
      if (options.owns === true) await pool.end()
    },
  }
}

/** Over PGlite (embedded PostgreSQL in WebAssembly); `owns: true` closes the database on close. */
export function pgliteExecutor(db: PGlite, options: { readonly owns?: boolean } = {}): SqlExecutor {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(sql, [...params])
      return { rows: result.rows }
    },
    async exec(sql) {
      await db.exec(sql)
    },
    async close() {
      if (options.owns === true) await db.close()
    },
  }
}

/** A pool of its own on a server's URL, ended on close: what a service opens from `POSTGRES_URL`. */
export function pgUrlExecutor(
  connectionString: string,
  options: { readonly max?: number } = {},
): SqlExecutor {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 4 })
  // An idle client's connection ending (the server restarted, or shut down) is emitted on the pool; with
  // no listener it was an uncaught exception that ended the process. The pool has already dropped that
  // client, and the next query opens another or fails, where the caller's retry sees it.
  pool.on('error', () => {})
  return pgExecutor(pool, { owns: true })
}

/** The same executor for stores that share it: their close() leaves it open for its owner to close. */
export function sharedExecutor(executor: SqlExecutor): SqlExecutor {
  return {
    query: (sql, params) => executor.query(sql, params),
    exec: (sql) => executor.exec(sql),
    close: async () => {},
  }
}
