import test from 'ava'
import { summarize, type EngineRun } from './engines.ts'

const run = (n: number): EngineRun => ({
  putPerSec: n,
  getPerSec: 10 * n,
  scanPerSec: 100 * n,
  rssAfterPut: 2 * n * 2 ** 20,
  rss: n * 2 ** 20,
  heapUsed: 2 ** 20,
  baselineRss: 2 ** 20,
  diskBytes: 3 * 2 ** 20,
})

test('each figure is its own median over the runs, memory in MB', (t) => {
  const row = summarize('lmdb', 1000, 100, [run(3), run(1), run(2)])
  t.like(row, {
    engine: 'lmdb',
    runs: 3,
    putPerSec: 2,
    getPerSec: 20,
    scanPerSec: 200,
    rssAfterPutMB: 4,
    rssMB: 2,
    heapUsedMB: 1,
    diskMB: 3,
  })
})
