import test from 'ava'
import { tpKey } from '../types.ts'
import { FetchedEnds } from './fetched-ends.ts'

const p0 = { topic: 't', partition: 0 }
const batch = (highWatermark: string, lastStableOffset?: string) => ({
  ...p0,
  highWatermark,
  ...(lastStableOffset === undefined ? {} : { lastStableOffset }),
})

test('an end counts once a fetch reached it: the last stable offset under read_committed', (t) => {
  const fetches = new FetchedEnds(true)
  t.false(fetches.fetched(batch('5', '3'), '1'), 'a record was still ahead')
  t.true(fetches.fetched(batch('5', '3'), '2'), 'only the last transaction marker was ahead')
  t.deepEqual([...fetches.ends([p0])], [], 'a marker and more were still ahead of the member')
  t.is(fetches.positions([p0]).get(tpKey('t', 0)), '2')
  fetches.fetched(batch('5', '3'), '3')
  t.deepEqual([...fetches.ends([p0])], [[tpKey('t', 0), '3']], 'the open transaction is not waited for')
})

test('read_uncommitted ends at the high watermark; a seek or a rebalance forgets what fetches said', (t) => {
  const fetches = new FetchedEnds(false)
  fetches.fetched(batch('5', '3'), '3')
  t.deepEqual([...fetches.ends([p0])], [], 'records up to the high watermark are on their way')
  fetches.fetched(batch('5', '3'), '5')
  t.deepEqual([...fetches.ends([p0])], [[tpKey('t', 0), '5']])
  fetches.forget('t', 0)
  t.deepEqual([...fetches.ends([p0])], [])
  fetches.fetched(batch('6'), '6')
  fetches.clear()
  t.deepEqual([...fetches.positions([p0])], [])
})
