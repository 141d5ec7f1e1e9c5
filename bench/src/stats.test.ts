import test from 'ava'
import { median, percentile, prng, rate } from './stats.ts'

test('percentile is nearest-rank: a value that occurred, never an interpolation', (t) => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1)
  t.is(percentile(values, 99), 99)
  t.is(percentile(values, 50), 50)
  t.is(percentile(values, 100), 100)
  t.is(percentile([5, 1, 3], 50), 3)
  t.is(percentile([10, 20], 99), 20)
  t.is(percentile([7], 99), 7)
})

test('percentile of 1000 values: the 990th smallest', (t) => {
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i)
  t.is(percentile(values, 99), 990)
})

test('percentile refuses no values and a p outside (0, 100]', (t) => {
  t.throws(() => percentile([], 99), { instanceOf: RangeError })
  t.throws(() => percentile([1], 0), { instanceOf: RangeError })
  t.throws(() => percentile([1], 101), { instanceOf: RangeError })
})

test('percentile leaves its input unsorted', (t) => {
  const values = [3, 1, 2]
  percentile(values, 50)
  t.deepEqual(values, [3, 1, 2])
})

test('median of odd and even counts', (t) => {
  t.is(median([3, 1, 2]), 2)
  t.is(median([4, 1, 3, 2]), 2.5)
  t.throws(() => median([]), { instanceOf: RangeError })
})

test('rate is records per second, undefined without elapsed time', (t) => {
  t.is(rate(200_000, 4000), 50_000)
  t.is(rate(3, 2000), 2)
  t.is(rate(10, 0), undefined)
})

test('prng is deterministic per seed and in [0, 1)', (t) => {
  const a = prng(42)
  const b = prng(42)
  const xs = Array.from({ length: 1000 }, () => a())
  t.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  )
  t.true(xs.every((x) => x >= 0 && x < 1))
  t.notDeepEqual(xs.slice(0, 5), [prng(43)(), 0, 0, 0, 0])
})
