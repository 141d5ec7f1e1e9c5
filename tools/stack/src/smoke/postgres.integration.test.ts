import pg from 'pg'
import { integrationTest, serviceUrl } from '@oxagry/testkit'

const test = await integrationTest('postgres')

test('a row written to PostgreSQL reads back, inside a transaction', async (t) => {
  const client = new pg.Client({ connectionString: serviceUrl('postgres') })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query(
      'CREATE TEMP TABLE smoke (id int PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL)',
    )
    await client.query('INSERT INTO smoke VALUES ($1, $2, $3), ($4, $5, $6)', [
      1,
      'tractor',
      new Date(0),
      2,
      'baler',
      new Date(1000),
    ])
    await client.query(
      'INSERT INTO smoke VALUES (1, $1, now()) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name',
      ['combine'],
    )
    const { rows } = await client.query<{ id: number; name: string }>(
      'SELECT id, name FROM smoke ORDER BY id',
    )
    t.deepEqual(rows, [
      { id: 1, name: 'combine' },
      { id: 2, name: 'baler' },
    ])
    await client.query('ROLLBACK')
  } finally {
    await client.end()
  }
})
