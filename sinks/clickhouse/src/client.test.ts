import test from 'ava'
import { parseClickHouseUrl } from './client.ts'

test('CLICKHOUSE_URL selects HTTP or chdb', (t) => {
  t.deepEqual(parseClickHouseUrl('http://default:pw@ch:8123/analytics'), {
    kind: 'http',
    url: 'http://default:pw@ch:8123/analytics',
  })
  t.deepEqual(parseClickHouseUrl('chdb::memory:'), { kind: 'chdb', path: ':memory:' })
  t.deepEqual(parseClickHouseUrl('chdb:/var/lib/oxagry/ch'), { kind: 'chdb', path: '/var/lib/oxagry/ch' })
})

test('a CLICKHOUSE_URL of another form is rejected with the value named', (t) => {
  t.throws(() => parseClickHouseUrl('tcp://ch:9000'), { message: /"tcp:\/\/ch:9000"/ })
  t.throws(() => parseClickHouseUrl('chdb:'), { message: /chdb needs/ })
})
