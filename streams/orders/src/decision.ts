import type { CancellationReason } from '@oxagry/avro'
import { CHECKS, type Check, type CheckAnswer, type OrderRecord } from './order.ts'

/**
 * Cancellation reasons from the most to the least telling. The reason of a cancelled order is the
 * first of these among its failures, whatever order the answers arrived in.
 */
export const PRECEDENCE: readonly CancellationReason[] = [
  'INVALID_ORDER',
  'OUT_OF_STOCK',
  'FRAUD_SUSPECTED',
  'PAYMENT_FAILED',
  'TIMED_OUT',
]

const rank = (reason: CancellationReason): number => {
  const i = PRECEDENCE.indexOf(reason)
  return i === -1 ? PRECEDENCE.length : i
}

export type Decision =
  | { readonly kind: 'wait' }
  | { readonly kind: 'confirm' }
  | { readonly kind: 'cancel'; readonly reason: CancellationReason; readonly note: string | null }

/** A decision made: confirm or cancel. */
export type Verdict = Exclude<Decision, { readonly kind: 'wait' }>

/**
 * What an undecided order's answers decide. All passed: confirm. A failure decides at once only when
 * no pending check could still fail with a higher-precedence reason; otherwise the order waits for
 * those checks (or their deadline, see `decideAtDeadline`).
 */
export function decide(order: OrderRecord): Decision {
  const pending = (Object.keys(CHECKS) as Check[]).filter((c) => order.checks[c] === undefined)
  const failures = (Object.keys(CHECKS) as Check[])
    .map((c) => order.checks[c])
    .filter((a) => a !== undefined && !a.passed)
  if (failures.length === 0) return pending.length === 0 ? { kind: 'confirm' } : { kind: 'wait' }
  const decision = worstFailure(failures)
  if (decision.kind !== 'cancel') return decision
  const outranked = pending.some((c) => rank(CHECKS[c]) < rank(decision.reason))
  return outranked ? { kind: 'wait' } : decision
}

/**
 * At a deadline the checks still pending count as failed: INVENTORY and FRAUD as TIMED_OUT at the
 * validation deadline, PAYMENT as PAYMENT_FAILED at the payment deadline (a provider outage is not the
 * order's fault, so it is waited out that long). Returns undefined when no deadline has passed.
 */
export function decideAtDeadline(order: OrderRecord, now: number): Verdict | undefined {
  if (order.state !== 'PLACED' || order.deadlines === undefined) return undefined
  const { validationAt, paymentAt } = order.deadlines
  const checks = { ...order.checks }
  let expired = false
  for (const c of ['INVENTORY', 'FRAUD'] as const) {
    if (checks[c] === undefined && now >= validationAt) {
      checks[c] = { passed: false, reason: 'TIMED_OUT', note: `no ${c} answer within the time-out` }
      expired = true
    }
  }
  if (checks.PAYMENT === undefined && now >= paymentAt) {
    checks.PAYMENT = {
      passed: false,
      reason: 'PAYMENT_FAILED',
      note: 'no answer from the payment provider before the payment deadline',
    }
    expired = true
  }
  if (!expired) return undefined
  // A deadline ends the wait: checks still pending cannot outrank what is known by then.
  return worstFailure(Object.values(checks))
}

function worstFailure(answers: readonly (CheckAnswer | undefined)[]): Verdict {
  const worst = answers
    .filter((a): a is CheckAnswer => a !== undefined && !a.passed)
    .map((a) => ({ reason: a.reason ?? 'OTHER', note: a.note }))
    .sort((a, b) => rank(a.reason) - rank(b.reason))[0]
  return worst === undefined ? { kind: 'confirm' } : { kind: 'cancel', ...worst }
}

/** The earliest wall-clock time at which `decideAtDeadline` could decide this order. */
export function nextDeadline(order: OrderRecord): number | undefined {
  if (order.state !== 'PLACED' || order.deadlines === undefined) return undefined
  const validation =
    order.checks.INVENTORY === undefined || order.checks.FRAUD === undefined
      ? order.deadlines.validationAt
      : Infinity
  const payment = order.checks.PAYMENT === undefined ? order.deadlines.paymentAt : Infinity
  const next = Math.min(validation, payment)
  return Number.isFinite(next) ? next : undefined
}
