import test from 'ava'
import { parseClickHouseUrl } from './client.ts'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from './errors.ts'

test('CLICKHOUSE_URL selects HTTP or chdb', (t) => {
  t.deepEqual(parseClickHouseUrl('http://default:pw@ch:8123/analytics'), {
    kind: 'http',
    url: 'http://default:pw@ch:8123/analytics',
  })
  t.deepEqual(parseClickHouseUrl('chdb::memory:'), { kind: 'chdb', path: ':memory:' })
  t.deepEqual(parseClickHouseUrl('chdb:/var/lib/oxagry/ch'), { kind: 'chdb', path: '/var/lib/oxagry/ch' })
})

test('a CLICKHOUSE_URL of another form is rejected with the value named', (t) => {
  for (const [url, message] of [
    ['tcp://ch:9000', /"tcp:\/\/ch:9000"/],
    ['chdb:', /chdb needs/],
  ] as const) {
    const error = t.throws(() => parseClickHouseUrl(url), { instanceOf: ClickHouseError, message })
    t.is(error?.code, CLICKHOUSE_ERROR_CODES.INVALID_URL)
  }
})
