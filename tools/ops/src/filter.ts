import { usageError } from './errors.ts'

/** What a dead letter can be selected by on the command line (`--filter field=value`). */
export const FILTER_FIELDS = [
  'application',
  'stage',
  'error-code',
  'source-topic',
  'retriable',
  'replayed',
] as const
export type FilterField = (typeof FILTER_FIELDS)[number]

/**
 * A selection of dead letters: each field given must match; a field given several times matches any of
 * its values (`--filter stage=PROCESSING --filter stage=DESERIALIZATION`).
 */
export type DeadLetterFilter = ReadonlyMap<FilterField, readonly string[]>

/** The facts of a dead letter a filter looks at. */
export interface Filterable {
  readonly application: string
  readonly stage: string
  readonly errorCode: string
  readonly sourceTopic: string
  readonly retriable: boolean
  /** Whether the failed record was itself a replay (it carried the replay header). */
  readonly replayed: boolean
}

function isFilterField(value: string): value is FilterField {
  return (FILTER_FIELDS as readonly string[]).includes(value)
}

const BOOLEAN_FIELDS: ReadonlySet<FilterField> = new Set(['retriable', 'replayed'])

/** Parses `field=value` options once, at the boundary; an unknown field or a bad boolean is a usage error. */
export function parseFilter(options: readonly string[]): DeadLetterFilter {
  const filter = new Map<FilterField, string[]>()
  for (const option of options) {
    const at = option.indexOf('=')
    const field = at < 0 ? option : option.slice(0, at)
    const value = at < 0 ? '' : option.slice(at + 1)
    if (!isFilterField(field))
      throw usageError(`--filter ${option}: the field must be one of ${FILTER_FIELDS.join(', ')}`, '--filter')
    if (value === '') throw usageError(`--filter ${option}: give a value, ${field}=<value>`, '--filter')
    if (BOOLEAN_FIELDS.has(field) && value !== 'true' && value !== 'false')
      throw usageError(`--filter ${option}: ${field} is true or false`, '--filter')
    filter.set(field, [...(filter.get(field) ?? []), value])
  }
  return filter
}

function valueOf(d: Filterable, field: FilterField): string {
  switch (field) {
    case 'application':
      return d.application
    case 'stage':
      return d.stage
    case 'error-code':
      return d.errorCode
    case 'source-topic':
      return d.sourceTopic
    case 'retriable':
      return String(d.retriable)
    case 'replayed':
      return String(d.replayed)
    default: {
      const never: never = field
      return never
    }
  }
}

export function matches(filter: DeadLetterFilter, d: Filterable): boolean {
  for (const [field, values] of filter) if (!values.includes(valueOf(d, field))) return false
  return true
}

/** The filter as text, in a stable order: names a replay's progress and appears in reports. */
export function describeFilter(filter: DeadLetterFilter): string {
  if (filter.size === 0) return 'all'
  return [...filter]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([field, values]) => `${field}=${[...values].sort().join('|')}`)
    .join(',')
}
