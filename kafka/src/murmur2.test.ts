import test from 'ava'
import { murmur2, partitionForKey } from './murmur2.ts'

// Vectors from Kafka's UtilsTest.testMurmur2.
test('murmur2 matches Kafka for its reference vectors', (t) => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]
  for (const [input, expected] of cases) t.is(murmur2(Buffer.from(input)), expected, input)
})

test('a key always lands on the same partition, within range', (t) => {
  for (const key of ['m-1', 'm-2', 'order-77']) {
    const p = partitionForKey(Buffer.from(key), 6)
    t.true(p >= 0 && p < 6)
    t.is(partitionForKey(Buffer.from(key), 6), p)
  }
})
