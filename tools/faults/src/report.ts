import { failuresOf, type FaultResult, type SuiteResult } from './result.ts'

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString())
const seconds = (ms: number | undefined): string =>
  ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`

/** A fault's verdict: skipped (with its reason), passed, or failed. */
export function verdictOf(result: FaultResult): 'SKIPPED' | 'PASS' | 'FAIL' {
  if (result.skipped !== undefined) return 'SKIPPED'
  return failuresOf(result).length === 0 ? 'PASS' : 'FAIL'
}

function faultSection(result: FaultResult): string[] {
  const lines = [`### ${result.name}: ${verdictOf(result)}`, '']
  lines.push(`- Injected: ${result.injected}`)
  if (result.skipped !== undefined) {
    lines.push(`- Skipped (${result.skipped.code}): ${result.skipped.reason}`, '')
    return lines
  }
  lines.push(`- When: ${iso(result.injectedAt)} until ${iso(result.restoredAt)}`)
  lines.push(`- Time to ready after the service was back: ${seconds(result.readyAfterMs)}`)
  lines.push(
    '',
    '| where | in | out | lost | duplicated | never sent | duplicates allowed |',
    '| --- | --: | --: | --: | --: | --: | --- |',
  )
  for (const [where, d] of Object.entries(result.deliveries))
    lines.push(
      `| ${where} | ${d.in} | ${d.out} | ${d.lost} | ${d.duplicated} | ${d.unexpected} | ${result.duplicatesAllowed.includes(where) ? 'yes (the store deduplicates)' : 'no'} |`,
    )
  lines.push('', 'Health observed from the injection until every part was ready again:', '')
  for (const [part, states] of Object.entries(result.statesDuring))
    lines.push(`- ${part}: ${states.join(' → ')}`)
  const failures = failuresOf(result)
  if (failures.length > 0) lines.push('', 'Failures:', '', ...failures.map((f) => `- ${f}`))
  if (result.notes.length > 0) lines.push('', 'Notes:', '', ...result.notes.map((n) => `- ${n}`))
  lines.push('')
  return lines
}

/** The run as markdown: a summary table, then each fault with its figures. */
export function renderReport(suite: SuiteResult): string {
  const lines = [
    `# Fault-injection suite: ${suite.mode} form`,
    '',
    `Started ${iso(suite.startedAt)}, took ${seconds(suite.durationMs)} (the private stack started in ${seconds(suite.stackStartMs)}).`,
    '',
    '| fault | verdict | records in | lost (worst store) | duplicated, not allowed (worst store) | time to ready |',
    '| --- | --- | --: | --: | --: | --: |',
  ]
  for (const f of suite.faults) {
    const ds = Object.entries(f.deliveries)
    const input = Math.max(0, ...ds.map(([, d]) => d.in))
    // The worst store or topic: each row counts the same records.
    const lost = Math.max(0, ...ds.map(([, d]) => d.lost))
    const dup = Math.max(
      0,
      ...ds.filter(([w]) => !f.duplicatesAllowed.includes(w)).map(([, d]) => d.duplicated),
    )
    lines.push(
      `| ${f.name} | ${verdictOf(f)}${f.skipped === undefined ? '' : ` (${f.skipped.code})`} | ${input} | ${lost} | ${dup} | ${f.skipped === undefined ? seconds(f.readyAfterMs) : '-'} |`,
    )
  }
  lines.push('', ...suite.faults.flatMap(faultSection))
  return `${lines.join('\n')}\n`
}
