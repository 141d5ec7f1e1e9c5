import type { AnswerRow } from './oracle.ts'

/**
 * ClickHouse's JSON as comparable rows: 64-bit integers come quoted, `nan` and `inf` as text, so every
 * value that reads as a number becomes one.
 */
export function normaliseAnswer(rows: readonly Record<string, unknown>[]): AnswerRow[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        if (typeof v === 'number') return [k, v]
        if (typeof v === 'string' && /^-?(\d+(\.\d+)?(e[-+]?\d+)?|nan|inf)$/i.test(v)) return [k, Number(v)]
        return [k, String(v)]
      }),
    ),
  )
}

/**
 * Differences between an answer and the expected rows, empty when they agree: same row count, same
 * columns in the same order, equal text, equal integers; numbers that are not whole (rounded money,
 * rates) may differ by one unit of their last rounded digit (0.01 at most).
 */
export function answerDifferences(actual: readonly AnswerRow[], expected: readonly AnswerRow[]): string[] {
  const problems: string[] = []
  if (actual.length !== expected.length) problems.push(`${actual.length} rows, expected ${expected.length}`)
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const a = actual[i] as AnswerRow
    const e = expected[i] as AnswerRow
    if (Object.keys(a).join() !== Object.keys(e).join())
      problems.push(`row ${i}: columns ${Object.keys(a).join()}, expected ${Object.keys(e).join()}`)
    for (const [k, want] of Object.entries(e)) {
      const got = a[k]
      const same =
        typeof want === 'number' && typeof got === 'number'
          ? Number.isInteger(want) && Number.isInteger(got)
            ? want === got
            : (Number.isNaN(want) && Number.isNaN(got)) || Math.abs(want - got) <= 0.0100001
          : want === got
      if (!same) problems.push(`row ${i} ${k}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
    }
  }
  return problems
}
