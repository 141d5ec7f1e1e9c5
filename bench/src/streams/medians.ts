import type { StreamsResult } from '../results.ts'
import { median } from '../stats.ts'

/** The figures a row's medians are taken of, each over the runs that have it. */
const FIGURES = ['recordsPerSec', 'p99Ms', 'p50Ms', 'p99VisibleMs', 'cpuMsPer1k'] as const

/**
 * One row for several runs of the same configuration: each figure the median of the runs that have it
 * (a failed run has none), each run's records/s kept in order. No run succeeded: the first run's row
 * (null figures and its error). One run: that run's row, unchanged.
 */
export function medianRow(runs: readonly StreamsResult[]): StreamsResult {
  const first = runs[0]
  if (first === undefined) throw new RangeError('medians of no runs')
  if (runs.length === 1) return first
  const succeeded = runs.filter((r) => r.recordsPerSec !== null && r.error === undefined)
  const each = { runs: runs.length, recordsPerSecEach: runs.map((r) => r.recordsPerSec) }
  if (succeeded.length === 0) return { ...first, ...each }
  const { error: _error, ...base } = first
  // A run that succeeded has records/s and a p99 (a row without them names its error).
  const figures: Record<string, number> = {}
  for (const name of FIGURES) {
    const values = succeeded.map((r) => r[name]).filter((v): v is number => typeof v === 'number')
    if (values.length > 0) figures[name] = Math.round(median(values) * 10) / 10
  }
  return { ...base, ...figures, ...each } as StreamsResult
}
