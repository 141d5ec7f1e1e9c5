import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import test from 'ava'
import { applyMigrations, createClickHouseClient } from '@oxagry/clickhouse'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SQL = fileURLToPath(new URL('./sql.ts', import.meta.url))

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

/** The CLI as a person runs it: `npm run sql -- "<query>"` at the root, or the script itself. */
async function sql(args: string[], env: Record<string, string>, viaNpm = false): Promise<Outcome> {
  const [file, argv] = viaNpm
    ? ['npm', ['run', '-s', 'sql', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', SQL, ...args]]
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !['CLICKHOUSE_URL', 'STATE_DIR', 'KAFKA_BROKERS'].includes(k),
    ),
  )
  try {
    const { stdout, stderr } = await run(file, argv, { cwd: ROOT, env: { ...clean, ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const fresh = (): Record<string, string> => ({ STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-sql-test-')) })

test('npm run sql at the root prints the answer as a table, numbers right-aligned', async (t) => {
  const out = await sql(
    ['SELECT number AS n, toString(number * 10) AS label FROM numbers(3) ORDER BY n'],
    fresh(),
    true,
  )
  t.is(out.code, 0, out.stderr)
  t.is(out.stdout, 'n | label\n--+------\n0 | 0\n1 | 10\n2 | 20\n')
  t.regex(out.stderr, /^3 rows in \d+ ms$/m)
})

test('a bad query prints ClickHouse’s message and exits 1; a missing table says how tables come', async (t) => {
  const bad = await sql(['SELEC 1'], fresh())
  t.is(bad.code, 1)
  t.is(bad.stdout, '')
  t.regex(bad.stderr, /^sql: .*Syntax error/m)
  const missing = await sql(['SELECT count() FROM order_events'], fresh())
  t.is(missing.code, 1)
  t.regex(missing.stderr, /order_events.*npm start/s)
})

test('the tool only reads: a write is refused', async (t) => {
  const out = await sql(['CREATE TABLE t (x UInt8) ENGINE = Memory'], fresh())
  t.is(out.code, 1)
  t.regex(out.stderr, /^sql: .*readonly/m)
})

test('no query prints the usage and exits 2; a bad configuration is named', async (t) => {
  const usage = await sql([], fresh())
  t.is(usage.code, 2)
  t.regex(usage.stderr, /usage: npm run sql/)
  const config = await sql(['SELECT 1'], { ...fresh(), CLICKHOUSE_URL: 'tcp://ch:9000' })
  t.is(config.code, 1)
  t.regex(config.stderr, /CLICKHOUSE_URL="tcp:\/\/ch:9000"/)
})

test('while a platform holds the embedded ClickHouse, the tool answers from a copy and says so', async (t) => {
  const env = fresh()
  // This process plays the running platform: it holds $STATE_DIR/clickhouse, as npm start does.
  const holder = createClickHouseClient(`chdb:${join(env.STATE_DIR as string, 'clickhouse')}`)
  try {
    await applyMigrations(holder)
    await holder.insert({
      table: 'orders',
      values: [
        {
          order_id: 'o-1',
          customer_id: 'farm-1',
          state: 'COMPLETED',
          payment_state: 'CAPTURED',
          total_minor: 1200,
          currency: 'EUR',
          item_count: 1,
          placed_at: 0,
          updated_at: 0,
          cancellation_reason: '',
          note: '',
          version: 4,
        },
      ],
      format: 'JSONEachRow',
    })
    const out = await sql(['SELECT order_id, state, total_minor FROM orders FINAL'], env, true)
    t.is(out.code, 0, out.stderr)
    t.is(
      out.stdout,
      'order_id | state     | total_minor\n---------+-----------+------------\no-1      | COMPLETED |        1200\n',
    )
    t.regex(out.stderr, /held by another process.*querying a copy/)
  } finally {
    await holder.close()
  }
})
