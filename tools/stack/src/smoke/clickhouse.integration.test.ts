import { randomUUID } from 'node:crypto'
import { createClickHouseClient } from '@oxagry/clickhouse'
import { integrationTest, serviceUrl } from '@oxagry/testkit'

const test = await integrationTest('clickhouse')

test('a MergeTree insert and an aggregate query through @clickhouse/client', async (t) => {
  const client = createClickHouseClient(serviceUrl('clickhouse'))
  const table = `smoke_${randomUUID().replaceAll('-', '')}`
  try {
    await client.command({
      query: `CREATE TABLE ${table} (machine_id String, ts DateTime64(3, 'UTC'), speed Float64)
              ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (machine_id, ts)`,
    })
    const rows = Array.from({ length: 100 }, (_, i) => ({
      machine_id: `m-${i % 4}`,
      ts: 1_700_000_000_000 + i * 1000,
      speed: i,
    }))
    await client.insert({ table, values: rows, format: 'JSONEachRow' })
    const result = await client.query({
      query: `SELECT machine_id, count() AS pings, max(speed) AS top FROM ${table} GROUP BY machine_id ORDER BY machine_id`,
      format: 'JSONEachRow',
    })
    const summary = (await result.json<{ machine_id: string; pings: number | string; top: number }>()).map(
      (r) => ({
        ...r,
        pings: Number(r.pings),
      }),
    )
    t.deepEqual(summary, [
      { machine_id: 'm-0', pings: 25, top: 96 },
      { machine_id: 'm-1', pings: 25, top: 97 },
      { machine_id: 'm-2', pings: 25, top: 98 },
      { machine_id: 'm-3', pings: 25, top: 99 },
    ])
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` })
    await client.close()
  }
})
