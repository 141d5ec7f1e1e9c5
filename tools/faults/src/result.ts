import type { Delivery } from './accounting.ts'

/** Why a fault did not run: said in the report, never silently. */
export interface Skipped {
  readonly code: 'OXA_FAULTS_SKIP_NOT_ROOT' | 'OXA_FAULTS_SKIP_NO_UNSHARE'
  readonly reason: string
}

/** One fault as the report tells it. */
export interface FaultResult {
  readonly name: string
  /** What was injected, in a sentence. */
  readonly injected: string
  readonly skipped?: Skipped
  /** Wall-clock time of the injection and of the service being back; ms since the epoch. */
  readonly injectedAt?: number
  readonly restoredAt?: number
  /** Where the records went, by store or topic. */
  readonly deliveries: Readonly<Record<string, Delivery>>
  /** Whether extra copies are allowed there (an at-least-once sink on a store that deduplicates). */
  readonly duplicatesAllowed: readonly string[]
  /** From the service being back until every part said ready. */
  readonly readyAfterMs?: number
  /** Per part, the states it reported during the fault. */
  readonly statesDuring: Readonly<Record<string, readonly string[]>>
  /** Health that did not tell the truth. */
  readonly lies: readonly string[]
  /** Anything else broken: lost or duplicated records, broken invariants. */
  readonly violations: readonly string[]
  readonly notes: readonly string[]
}

/** Every failure of a fault, in one list: empty when it passed. */
export function failuresOf(result: FaultResult): string[] {
  if (result.skipped !== undefined) return []
  const failures = [...result.lies, ...result.violations]
  for (const [where, d] of Object.entries(result.deliveries)) {
    if (d.lost > 0) failures.push(`${where}: ${d.lost} of ${d.in} lost`)
    if (d.unexpected > 0) failures.push(`${where}: ${d.unexpected} records never sent`)
    if (d.duplicated > 0 && !result.duplicatesAllowed.includes(where))
      failures.push(`${where}: ${d.duplicated} duplicates`)
  }
  return failures
}

export interface SuiteResult {
  readonly mode: string
  readonly startedAt: number
  readonly durationMs: number
  readonly stackStartMs: number
  readonly faults: readonly FaultResult[]
}
