import type { QueryAnswer } from './query.ts'

const NUMERIC = /^(Nullable\()?(U?Int|Float|Decimal)/

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * The answer as a text table: a header, a rule, one line per row; numbers right-aligned, everything
 * else left-aligned, NULL spelled out, arrays and maps as JSON.
 */
export function formatTable(answer: QueryAnswer): string {
  const header = answer.columns.map((c) => c.name)
  const body = answer.rows.map((row) => row.map(cell))
  const widths = header.map((name, i) => Math.max(name.length, ...body.map((r) => (r[i] ?? '').length)))
  const right = answer.columns.map((c) => NUMERIC.test(c.type))
  const line = (cells: readonly string[]): string =>
    cells
      .map((text, i) => (right[i] === true ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n') + '\n'
}
