/**
 * The rate ladder of the latency phase: which steps run, whether the slice kept up with one, and the
 * highest rate it sustained. Pure, so the decisions are tested without a stack.
 */

/** When a step counts as kept up. */
export interface KeptUpCriteria {
  /** p99 produced → WebSocket client at most this, ms. */
  readonly maxP99Ms: number
  /** Each consumer group's lag at the end of the measured phase at most this many seconds of input. */
  readonly maxLagSeconds: number
  /** The producer reached at least this share of the target rate (below it the step measured less). */
  readonly minProducedShare: number
}

export const DEFAULT_CRITERIA: KeptUpCriteria = { maxP99Ms: 2000, maxLagSeconds: 3, minProducedShare: 0.95 }

/** What a step measured that the decision needs. */
export interface StepFigures {
  readonly rate: number
  readonly producedPerSec: number
  readonly p99Ms: number | null
  /** Lag per consumer group at the end of the measured phase, records. */
  readonly lags: Readonly<Record<string, number>>
  /** Whether the client received, soon after the phase ended, positions from its last second. */
  readonly fresh: boolean
}

/** Kept up, or the reasons it did not. */
export function keptUp(
  step: StepFigures,
  criteria: KeptUpCriteria = DEFAULT_CRITERIA,
): { keptUp: boolean; reasons: string[] } {
  const reasons: string[] = []
  if (step.producedPerSec < step.rate * criteria.minProducedShare)
    reasons.push(`producer reached ${step.producedPerSec}/s of ${step.rate}/s`)
  if (step.p99Ms === null) reasons.push('no updates received')
  else if (step.p99Ms > criteria.maxP99Ms) reasons.push(`p99 ${step.p99Ms} ms > ${criteria.maxP99Ms} ms`)
  const allowed = step.rate * criteria.maxLagSeconds
  for (const [group, lag] of Object.entries(step.lags))
    if (lag > allowed) reasons.push(`${group} lag ${lag} > ${allowed} (${criteria.maxLagSeconds} s of input)`)
  if (!step.fresh) reasons.push('no fresh positions after the phase')
  return { keptUp: reasons.length === 0, reasons }
}

/**
 * Whether to run `rate` given the steps done (in ascending order): every rate up to the first one the
 * slice failed, and past it only the rates the report must have figures for.
 */
export function shouldRun(
  rate: number,
  done: readonly { readonly rate: number; readonly keptUp: boolean }[],
  required: readonly number[],
): boolean {
  if (required.includes(rate)) return true
  return !done.some((s) => !s.keptUp && s.rate < rate)
}

/**
 * The highest rate the slice sustained: the highest step at or below which every step kept up (a pass
 * above a failure is noise, not capacity). Null when the lowest step failed.
 */
export function highestSustained(
  steps: readonly { readonly rate: number; readonly keptUp: boolean }[],
): number | null {
  let highest: number | null = null
  for (const s of [...steps].sort((a, b) => a.rate - b.rate)) {
    if (!s.keptUp) break
    highest = s.rate
  }
  return highest
}

/** The simulator's fastest machines: road legs at up to 40 km/h. */
const FLEET_MAX_KMH = 40
/** Tracking's validator refuses a fix implying more than this from the machine's newest accepted one. */
const VALIDATOR_MAX_KMH = 200

/**
 * The pause before the next step. Each step's fleet starts again from the same seed, so every machine
 * jumps back to where it started the previous step, at most a phase's drive away; the validator takes
 * that for a GPS jump unless enough time passed for the distance to be plausible at its speed limit.
 */
export function pauseBetweenStepsMs(phaseMs: number): number {
  return Math.ceil((phaseMs * FLEET_MAX_KMH) / VALIDATOR_MAX_KMH) + 2000
}
