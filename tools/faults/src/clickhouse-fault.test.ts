import type { ClickHouseClient } from '@clickhouse/client'
import { classifyClickHouseError } from '@oxagry/clickhouse'
import test from 'ava'
import { switchableClickHouse } from './clickhouse-fault.ts'

test('while down every write fails as a refused connection the sink retries; up again it reaches the store', async (t) => {
  const inserted: unknown[] = []
  const real = {
    insert: async (params: unknown) => {
      inserted.push(params)
      return { executed: true }
    },
    close: async () => {},
  } as unknown as ClickHouseClient
  const ch = switchableClickHouse(real)
  await ch.client.insert({ table: 't', values: [1], format: 'JSONEachRow' })
  ch.down()
  const error = await t.throwsAsync(ch.client.insert({ table: 't', values: [2], format: 'JSONEachRow' }))
  t.is((error as { code?: string }).code, 'ECONNREFUSED')
  t.true(classifyClickHouseError(error, 'insert').retriable)
  t.is(ch.refused(), 1)
  ch.up()
  await ch.client.insert({ table: 't', values: [3], format: 'JSONEachRow' })
  t.is(inserted.length, 2, 'nothing written while down')
  await t.notThrowsAsync(ch.client.close())
})
