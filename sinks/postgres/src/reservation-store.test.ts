import test from 'ava'
import { randomUUID } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { reservationStoreContract } from '@oxagry/sink/testing'
import { pgliteExecutor } from './executor.ts'
import { PostgresReservationReadModel } from './reservation-store.ts'

// One embedded database for the file; each test gets a table of its own.
const db = new PGlite()
test.after.always(() => db.close())
const suffix = () => randomUUID().replaceAll('-', '').slice(0, 16)

reservationStoreContract('postgres (PGlite)', test, async () => {
  const store = new PostgresReservationReadModel({
    executor: pgliteExecutor(db),
    table: `reservations_${suffix()}`,
  })
  await store.migrate()
  return store
})

test('the table name is checked, since it is spliced into SQL', (t) => {
  t.throws(() => new PostgresReservationReadModel({ executor: pgliteExecutor(db), table: 'r; drop' }), {
    message: /\/options\/tables\/table/,
  })
})
