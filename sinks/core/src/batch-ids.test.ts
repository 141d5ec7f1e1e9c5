import test from 'ava'
import type { BrokerRecord } from '@oxagry/kafka'
import { batchIdOf } from './batch-ids.ts'

test('batch ids are deterministic and independent of record order', (t) => {
  const r = (partition: number, offset: string): BrokerRecord => ({
    topic: 't',
    partition,
    offset,
    key: null,
    value: null,
    timestamp: 0,
    headers: {},
  })
  t.is(batchIdOf([r(1, '7'), r(0, '3'), r(0, '2'), r(1, '5')]), 't:0:2-3,t:1:5-7')
  t.is(batchIdOf([r(0, '2'), r(1, '5'), r(1, '7'), r(0, '3')]), 't:0:2-3,t:1:5-7')
})
