import type { OutputRecord, ScenarioResult } from './drivers.ts'

/** A record as one line: `topic key=value@timestamp (after input n)`, for diffs a person can read. */
export function line(r: OutputRecord): string {
  return `${r.topic} ${r.key}=${r.value}@${r.timestamp} (after input ${r.after})`
}

/** The lines of a result, and its error if it failed, so an error on one side shows as a difference. */
export function lines(result: ScenarioResult): string[] {
  const out = result.records.map(line)
  return result.error === undefined ? out : [...out, `error: ${result.error}`]
}
