import test from 'ava'
import type { ProducedRecord } from '../types.ts'
import { chunks } from './records.ts'

const record = (bytes: number): ProducedRecord => ({
  topic: 't',
  key: Buffer.alloc(8),
  value: Buffer.alloc(bytes),
  timestamp: 0,
  headers: {},
})

test('a large send is split into requests under the broker batch limit, keeping every record in order', (t) => {
  const records = Array.from({ length: 3000 }, (_, i) => ({ ...record(1000), timestamp: i }))
  const split = [...chunks(records)]
  t.true(split.length > 1)
  for (const chunk of split) {
    const bytes = chunk.reduce((sum, r) => sum + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0)
    t.true(bytes <= 512 * 1024, `${bytes} bytes`)
    t.true(chunk.length <= 2000)
  }
  t.deepEqual(
    split.flat().map((r) => r.timestamp),
    records.map((r) => r.timestamp),
  )
})

test('a record larger than a chunk goes alone rather than being dropped', (t) => {
  const split = [...chunks([record(10), record(600 * 1024), record(10)])]
  t.deepEqual(
    split.map((c) => c.length),
    [1, 1, 1],
  )
})
