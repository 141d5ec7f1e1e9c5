import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from './errors.ts'

/** The DDL shipped with this package: `ddl/NNN_name.sql`, applied in order. */
export const DDL_DIR = fileURLToPath(new URL('../ddl/', import.meta.url))

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/

export interface Migration {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly statements: readonly string[]
}

/** Splits a DDL file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function statementsOf(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export async function readMigrations(dir: string = DDL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE.exec(file)
    if (match === null)
      throw new ClickHouseError(
        CLICKHOUSE_ERROR_CODES.MIGRATION,
        `${file}: DDL files are named NNN_name.sql`,
        {
          context: { file },
        },
      )
    const sql = await readFile(join(dir, file), 'utf8')
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version))
      throw new ClickHouseError(
        CLICKHOUSE_ERROR_CODES.MIGRATION,
        `${file}: version ${version} appears twice`,
        {
          context: { file },
        },
      )
    migrations.push({
      version,
      name: match[2] ?? file,
      checksum: createHash('sha256').update(sql).digest('hex'),
      statements: statementsOf(sql),
    })
  }
  return migrations
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`

/**
 * Applies the DDL files not yet recorded in `schema_migrations`, in order, and records them. Safe to run
 * on every start and from several instances at once: every statement is `IF NOT EXISTS` and the
 * record table collapses duplicate rows. An applied file whose content changed is refused: write a new
 * file instead. Returns the versions applied now.
 */
export async function applyMigrations(client: ClickHouseClient, dir: string = DDL_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir)
  try {
    await client.command({ query: MIGRATIONS_TABLE })
    const result = await client.query({
      query: 'SELECT version, any(checksum) AS checksum FROM schema_migrations GROUP BY version',
      format: 'JSONEachRow',
    })
    const applied = new Map(
      (await result.json<{ version: number | string; checksum: string }>()).map((r) => [
        Number(r.version),
        r.checksum,
      ]),
    )
    const now: number[] = []
    for (const m of migrations) {
      const checksum = applied.get(m.version)
      if (checksum !== undefined) {
        if (checksum !== m.checksum)
          throw new ClickHouseError(
            CLICKHOUSE_ERROR_CODES.MIGRATION,
            `DDL ${m.version}_${m.name} changed after it was applied: add a new file instead`,
            { context: { file: `${m.version}_${m.name}.sql` } },
          )
        continue
      }
      for (const statement of m.statements) await client.command({ query: statement })
      await client.insert({
        table: 'schema_migrations',
        values: [{ version: m.version, name: m.name, checksum: m.checksum }],
        format: 'JSONEachRow',
      })
      now.push(m.version)
    }
    return now
  } catch (error) {
    if (error instanceof ClickHouseError) throw error
    throw new ClickHouseError(CLICKHOUSE_ERROR_CODES.MIGRATION, `applying ClickHouse DDL: ${String(error)}`, {
      cause: error,
      retriable: true,
    })
  }
}
