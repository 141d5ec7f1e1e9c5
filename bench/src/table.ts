export type Cell = string | number | null | undefined

export interface Column {
  readonly header: string
  /** Numbers read best right-aligned; default: right for numeric cells, left otherwise. */
  readonly align?: 'left' | 'right'
}

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '-'
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : cell.toFixed(1)
  return cell
}

/** A plain-text table with aligned columns, a header and a rule under it, for the terminal. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => text(row[i])))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)))
  const right = columns.map(
    (c, i) => c.align === 'right' || (c.align === undefined && rows.some((r) => typeof r[i] === 'number')),
  )
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map((r) => line(r)),
  ].join('\n')
}
