import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { commerceStoreContract, reservationStoreContract, stockStoreContract } from '@oxagry/sink/testing'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { pgExecutor } from './executor.ts'
import { PostgresCommerceReadModel } from './commerce-store.ts'
import { PostgresStockReadModel } from './stock-store.ts'
import { PostgresReservationReadModel } from './reservation-store.ts'

const test = await integrationTest('postgres')
const pool = new pg.Pool({ connectionString: serviceUrl('postgres'), max: 8 })
const tables: string[] = []
const suffix = () => randomUUID().replaceAll('-', '').slice(0, 16)

test.after(async () => {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  await pool
    .query(`DELETE FROM schema_migrations WHERE split_part(scope, ':', 2) = ANY($1::text[])`, [tables])
    .catch(() => {})
  await pool.end()
})

commerceStoreContract('postgres (server)', test, async () => {
  const s = suffix()
  const names = { orders: `views_orders_${s}`, payments: `views_payments_${s}` }
  tables.push(names.orders, names.payments)
  const store = new PostgresCommerceReadModel({ executor: pgExecutor(pool), tables: names })
  await store.migrate()
  return store
})

stockStoreContract('postgres (server)', test, async () => {
  const table = `views_stock_${suffix()}`
  tables.push(table)
  const store = new PostgresStockReadModel({ executor: pgExecutor(pool), table })
  await store.migrate()
  return store
})

reservationStoreContract('postgres (server)', test, async () => {
  const table = `views_reservations_${suffix()}`
  tables.push(table)
  const store = new PostgresReservationReadModel({ executor: pgExecutor(pool), table })
  await store.migrate()
  return store
})
