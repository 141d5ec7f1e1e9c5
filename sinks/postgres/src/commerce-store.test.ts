import test from 'ava'
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { conflateCommerce, SINK_ERROR_CODES, SinkError } from '@oxagry/sink'
import { commerceStoreContract, orderStatus, stockStoreContract } from '@oxagry/sink/testing'
import { pgliteExecutor } from './executor.ts'
import { applyPostgresMigrations } from './migrations.ts'
import { PostgresCommerceReadModel } from './commerce-store.ts'
import { PostgresStockReadModel } from './stock-store.ts'

// One embedded database for the file; each test gets tables of its own.
const db = new PGlite()
test.after.always(() => db.close())
const suffix = () => randomUUID().replaceAll('-', '').slice(0, 16)

commerceStoreContract('postgres (PGlite)', test, async () => {
  const s = suffix()
  const store = new PostgresCommerceReadModel({
    executor: pgliteExecutor(db),
    tables: { orders: `orders_${s}`, payments: `payments_${s}` },
  })
  await store.migrate()
  return store
})

stockStoreContract('postgres (PGlite)', test, async () => {
  const store = new PostgresStockReadModel({ executor: pgliteExecutor(db), table: `stock_${suffix()}` })
  await store.migrate()
  return store
})

test('table names are checked, since they are spliced into SQL', (t) => {
  const error = t.throws(
    () => new PostgresCommerceReadModel({ executor: pgliteExecutor(db), tables: { orders: 'o; drop' } }),
    { instanceOf: SinkError },
  )
  t.is(error?.context.path, '/options/tables/orders')
  t.throws(() => new PostgresStockReadModel({ executor: pgliteExecutor(db), table: 'Stock' }), {
    message: /\/options\/tables\/table/,
  })
})

test('migrations apply once, are recorded per scope, and a changed step is refused', async (t) => {
  const executor = pgliteExecutor(db)
  const scope = `test:${suffix()}`
  const table = `m_${suffix()}`
  const steps = [
    { version: 1, name: 'create', sql: `CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY)` },
    { version: 2, name: 'column', sql: `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS label text` },
  ]
  t.deepEqual(await applyPostgresMigrations(executor, scope, steps.slice(0, 1)), [1])
  t.deepEqual(await applyPostgresMigrations(executor, scope, steps), [2])
  t.deepEqual(await applyPostgresMigrations(executor, scope, steps), [])
  const changed = [steps[0]!, { ...steps[1]!, sql: `${steps[1]!.sql} -- edited` }]
  const error = await t.throwsAsync(() => applyPostgresMigrations(executor, scope, changed), {
    instanceOf: SinkError,
  })
  t.is(error?.code, SINK_ERROR_CODES.SCHEMA)
  t.regex(error?.message ?? '', /2_column changed after it was applied/)
  // A step that fails leaves no record and no half of itself.
  const failing = [
    ...steps,
    { version: 3, name: 'broken', sql: `CREATE TABLE ${table}_x (id int); SELECT 1/0` },
  ]
  const failed = await t.throwsAsync(() => applyPostgresMigrations(executor, scope, failing))
  t.is((failed as SinkError).code, SINK_ERROR_CODES.SCHEMA)
  const exists = await executor.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = $1`,
    [`${table}_x`],
  )
  t.is(exists.rows[0]?.n, 0)
})

test('a refused row (bad data) is a permanent error, so the sink dead-letters it', async (t) => {
  const s = suffix()
  const store = new PostgresCommerceReadModel({
    executor: pgliteExecutor(db),
    tables: { orders: `orders_${s}`, payments: `payments_${s}` },
  })
  await store.migrate()
  // A total beyond bigint: the data is at fault (SQLSTATE 22003), not the store.
  const error = await t.throwsAsync(() =>
    store.apply(conflateCommerce([orderStatus('big', 1, { totalMinor: 1e20 })])),
  )
  t.is((error as SinkError).code, SINK_ERROR_CODES.PERMANENT)
  t.is(await store.getOrder('whatever'), undefined)
})

test('reads of a store not migrated fail with classified, transient errors', async (t) => {
  const store = new PostgresCommerceReadModel({
    executor: pgliteExecutor(db),
    tables: { orders: 'orders_missing', payments: 'payments_missing' },
  })
  const error = await t.throwsAsync(() => store.getOrder('x'), { instanceOf: SinkError })
  t.is(error?.code, SINK_ERROR_CODES.TRANSIENT)
  t.regex(error?.message ?? '', /orders_missing/)
})
