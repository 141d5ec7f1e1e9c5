import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { machineReadModelContract } from '@oxagry/sink/testing'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { pgExecutor } from './executor.ts'
import { PostgresMachineReadModel } from './read-model.ts'

const test = await integrationTest('postgres')
const pool = new pg.Pool({ connectionString: serviceUrl('postgres'), max: 8 })
const tables: string[] = []

test.after(async () => {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  await pool.end()
})

machineReadModelContract('postgres (server)', test, async () => {
  const table = `machines_${randomUUID().replaceAll('-', '')}`
  tables.push(table)
  const model = new PostgresMachineReadModel({ executor: pgExecutor(pool), table })
  await model.ensureIndexes()
  return model
})
