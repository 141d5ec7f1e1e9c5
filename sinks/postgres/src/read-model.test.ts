import test from 'ava'
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { SINK_ERROR_CODES, SinkError } from '@oxagry/sink'
import { machineReadModelContract, position } from '@oxagry/sink/testing'
import { classifyPostgresError } from './errors.ts'
import { pgliteExecutor } from './executor.ts'
import { PostgresMachineReadModel } from './read-model.ts'

// One embedded database for the file; each test gets a table of its own.
const db = new PGlite()
test.after.always(() => db.close())

machineReadModelContract('postgres (PGlite)', test, async () => {
  const model = new PostgresMachineReadModel({
    executor: pgliteExecutor(db),
    table: `machines_${randomUUID().replaceAll('-', '')}`,
  })
  await model.ensureIndexes()
  return model
})

test('the table name is checked, since it is spliced into SQL', (t) => {
  t.throws(() => new PostgresMachineReadModel({ executor: pgliteExecutor(db), table: 'machines; drop' }), {
    message: /\/options\/table/,
  })
})

test('data errors are permanent, the rest transient', async (t) => {
  t.is(classifyPostgresError({ code: '22003' }, 'x').code, SINK_ERROR_CODES.PERMANENT)
  t.is(classifyPostgresError({ code: '23502' }, 'x').code, SINK_ERROR_CODES.PERMANENT)
  t.is(classifyPostgresError({ code: '08006' }, 'x').code, SINK_ERROR_CODES.TRANSIENT)
  t.is(classifyPostgresError({ code: '42P01' }, 'x').code, SINK_ERROR_CODES.TRANSIENT)
  t.is(classifyPostgresError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'x').retriable, true)
  const model = new PostgresMachineReadModel({ executor: pgliteExecutor(db), table: 'machines_nan' })
  await model.ensureIndexes()
  const error = await t.throwsAsync(() =>
    model.upsertPositions([position('MF-1', 1000, { latitude: Number.NaN })]),
  )
  t.is((error as { code?: string }).code, SINK_ERROR_CODES.PERMANENT)
})

test('reads fail with classified errors too, not raw pg or PGlite ones', async (t) => {
  // No ensureIndexes: the table does not exist (42P01), a deployment problem, hence transient.
  const model = new PostgresMachineReadModel({ executor: pgliteExecutor(db), table: 'machines_missing' })
  const get = await t.throwsAsync(() => model.get('MF-1'), { instanceOf: SinkError })
  t.is(get?.code, SINK_ERROR_CODES.TRANSIENT)
  t.regex(get?.message ?? '', /reading machine MF-1 from machines_missing: .*\(42P01\)/)
  t.is((get?.cause as { code?: string }).code, '42P01')
  const list = await t.throwsAsync(() => model.list({ limit: 10 }), { instanceOf: SinkError })
  t.is(list?.code, SINK_ERROR_CODES.TRANSIENT)
  t.regex(list?.message ?? '', /listing machines in machines_missing/)
})
