import { createHash } from 'node:crypto'
import { SINK_ERROR_CODES, SinkError } from '@oxagry/sink'
import type { SqlExecutor } from './executor.ts'

/**
 * One step of a view's DDL. Applied once per scope, in version order, inside a transaction together
 * with its record in `schema_migrations`; a step already applied whose SQL changed is refused (write a
 * new step instead).
 */
export interface PostgresMigration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/** Who owns a set of tables, e.g. `commerce:commerce_orders`; migrations are recorded per scope. */
const SCOPE = /^[a-z_][a-z0-9_:]{0,126}$/
const NAME = /^[a-z0-9_]{1,63}$/

/** Serialises concurrent starts (two instances, or a test's stores in parallel) on one database. */
const LOCK_KEY = 7_140_115_015

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  scope text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, version)
)`

function schemaError(message: string, cause?: unknown, retriable = false): SinkError {
  return new SinkError(SINK_ERROR_CODES.SCHEMA, message, {
    retriable,
    ...(cause === undefined ? {} : { cause }),
  })
}

const checksumOf = (sql: string): string => createHash('sha256').update(sql).digest('hex')

/**
 * Applies the steps of `scope` not recorded yet and returns their versions. Every step runs in one
 * (implicit) transaction holding an advisory lock, so concurrent starts apply each step once; the SQL must be
 * idempotent anyway (`IF NOT EXISTS`), as a database restored without its records may replay it.
 */
export async function applyPostgresMigrations(
  executor: SqlExecutor,
  scope: string,
  migrations: readonly PostgresMigration[],
): Promise<number[]> {
  if (!SCOPE.test(scope)) throw schemaError(`migration scope ${JSON.stringify(scope)} is not an identifier`)
  const versions = migrations.map((m) => m.version)
  if (
    !versions.every((v, i) => Number.isSafeInteger(v) && v > 0 && (i === 0 || v > (versions[i - 1] ?? 0))) ||
    !migrations.every((m) => NAME.test(m.name))
  )
    throw schemaError(`${scope}: migrations need increasing positive versions and lowercase names`)
  try {
    // Statements sent together run as one implicit transaction, rolled back whole on an error.
    await executor.exec(`SELECT pg_advisory_xact_lock(${LOCK_KEY}); ${MIGRATIONS_TABLE};`)
    const applied = new Map(
      (
        await executor.query<{ version: number; checksum: string }>(
          'SELECT version, checksum FROM schema_migrations WHERE scope = $1',
          [scope],
        )
      ).rows.map((r) => [Number(r.version), r.checksum]),
    )
    const now: number[] = []
    for (const m of migrations) {
      const checksum = checksumOf(m.sql)
      const recorded = applied.get(m.version)
      if (recorded !== undefined) {
        if (recorded !== checksum)
          throw schemaError(`${scope}: migration ${m.version}_${m.name} changed after it was applied`)
        continue
      }
      // Scope, name and checksum are checked identifiers and hex, safe to splice; the step's SQL is ours.
      await executor.exec(`SELECT pg_advisory_xact_lock(${LOCK_KEY});
${m.sql};
INSERT INTO schema_migrations (scope, version, name, checksum)
VALUES ('${scope}', ${m.version}, '${m.name}', '${checksum}') ON CONFLICT DO NOTHING;`)
      now.push(m.version)
    }
    return now
  } catch (error) {
    if (error instanceof SinkError) throw error
    // A database that is down or restarting: a later start may succeed.
    throw schemaError(`${scope}: applying migrations: ${String(error)}`, error, true)
  }
}
