import { median } from '../stats.ts'

export const ENGINES = ['lmdb', 'leveldb'] as const
export type EngineName = (typeof ENGINES)[number]

/** What one engine-worker run reports. */
export interface EngineRun {
  readonly putPerSec: number
  readonly getPerSec: number
  readonly scanPerSec: number
  /** After the puts and a full GC, bytes: the store's own footprint, least blurred by the harness. */
  readonly rssAfterPut: number
  /** After the gets and the scan and a full GC, bytes. */
  readonly rss: number
  readonly heapUsed: number
  /** Before the store was opened. */
  readonly baselineRss: number
  /** Allocated blocks of the store's files. */
  readonly diskBytes: number
}

/** One row of results/stores.json: the median of each figure over the runs. */
export interface StoreResult {
  readonly engine: EngineName
  readonly keys: number
  readonly valueBytes: number
  readonly runs: number
  readonly putPerSec: number
  readonly getPerSec: number
  readonly scanPerSec: number
  readonly rssAfterPutMB: number
  readonly rssMB: number
  readonly heapUsedMB: number
  readonly baselineRssMB: number
  readonly diskMB: number
}

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10
}

/** Medians per figure: each figure's own median, so a row may mix runs. */
export function summarize(
  engine: EngineName,
  keys: number,
  valueBytes: number,
  runs: readonly EngineRun[],
): StoreResult {
  const m = (pick: (r: EngineRun) => number): number => median(runs.map(pick))
  return {
    engine,
    keys,
    valueBytes,
    runs: runs.length,
    putPerSec: Math.round(m((r) => r.putPerSec)),
    getPerSec: Math.round(m((r) => r.getPerSec)),
    scanPerSec: Math.round(m((r) => r.scanPerSec)),
    rssAfterPutMB: mb(m((r) => r.rssAfterPut)),
    rssMB: mb(m((r) => r.rss)),
    heapUsedMB: mb(m((r) => r.heapUsed)),
    baselineRssMB: mb(m((r) => r.baselineRss)),
    diskMB: mb(m((r) => r.diskBytes)),
  }
}
