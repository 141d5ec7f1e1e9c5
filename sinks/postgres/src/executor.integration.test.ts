import { randomUUID } from 'node:crypto'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import pg from 'pg'
import { pgUrlExecutor } from './executor.ts'

const test = await integrationTest('postgres')

test('an idle connection the server ends does not end the process; the next query opens another', async (t) => {
  const name = `executor-${randomUUID().slice(0, 8)}`
  const url = new URL(serviceUrl('postgres'))
  url.searchParams.set('application_name', name)
  const executor = pgUrlExecutor(url.toString())
  t.teardown(() => executor.close())
  t.deepEqual((await executor.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }])
  // What a restart of PostgreSQL does to the pool's idle client, done to this one alone.
  const admin = new pg.Client({ connectionString: serviceUrl('postgres') })
  await admin.connect()
  try {
    const ended = await admin.query(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [name],
    )
    t.is(ended.rowCount, 1)
  } finally {
    await admin.end()
  }
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.deepEqual((await executor.query<{ n: number }>('SELECT 2 AS n')).rows, [{ n: 2 }])
})
