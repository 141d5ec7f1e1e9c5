import test from 'ava'
import type { StreamsResult } from '../results.ts'
import { medianRow } from './medians.ts'

const run = (recordsPerSec: number, p99Ms: number, extra: Partial<StreamsResult> = {}): StreamsResult => ({
  scenario: 'windowed',
  guarantee: 'exactly_once',
  system: 'oxagry-streams',
  client: 'rdkafka',
  threads: 2,
  records: 1_000_000,
  recordsPerSec,
  p99Ms,
  p50Ms: p99Ms / 2,
  ...extra,
})

test('each figure is the median of the runs, each run kept in order', (t) => {
  const row = medianRow([run(90_000, 40), run(70_000, 400), run(80_000, 50)])
  t.is(row.recordsPerSec, 80_000)
  t.is(row.p99Ms, 50)
  t.is(row.p50Ms, 25)
  t.is(row.runs, 3)
  t.deepEqual(row.recordsPerSecEach, [90_000, 70_000, 80_000])
  t.is(row.client, 'rdkafka')
  t.is(row.threads, 2)
})

test('a failed run has no figures to give: the medians are of the others, and it stays in the list', (t) => {
  const failed: StreamsResult = { ...run(0, 0), recordsPerSec: null, p99Ms: null, error: 'timed out' }
  const row = medianRow([run(90_000, 40), failed, run(70_000, 60)])
  t.is(row.recordsPerSec, 80_000)
  t.is(row.p99Ms, 50)
  t.is(row.error, undefined)
  t.deepEqual(row.recordsPerSecEach, [90_000, null, 70_000])
})

test('no run succeeded: null figures and the first error; one run: that run unchanged', (t) => {
  const failed: StreamsResult = { ...run(0, 0), recordsPerSec: null, p99Ms: null, error: 'timed out' }
  const row = medianRow([failed, { ...failed, error: 'other' }])
  t.is(row.recordsPerSec, null)
  t.is(row.error, 'timed out')
  t.is(row.runs, 2)
  const one = run(50_000, 30)
  t.is(medianRow([one]), one)
  t.throws(() => medianRow([]), { instanceOf: RangeError })
})
