import type {
  PaymentEvent,
  PaymentFailureReason,
  ProviderNotification,
  ProviderOutcomeReported,
} from '@oxagry/avro'
import { paymentEventIdOf } from './ids.ts'
import type { OutcomeSource } from './commands.ts'
import type { FinalOutcome, PaymentOperation } from './provider.ts'

// What the payments application decides about a provider notification, apart from the processor that
// holds the state: which call an event settles, and the final outcome a report says.

const FAILURE_REASONS: readonly PaymentFailureReason[] = [
  'DECLINED',
  'INSUFFICIENT_FUNDS',
  'EXPIRED',
  'FRAUD_SUSPECTED',
  'PROVIDER_ERROR',
  'OTHER',
]

/** The report in a notification, or undefined for a pending note. */
export function reportOf(notification: ProviderNotification): ProviderOutcomeReported | undefined {
  const p = notification.payload
  return 'dev.oxagry.payments.ProviderOutcomeReported' in p
    ? p['dev.oxagry.payments.ProviderOutcomeReported']
    : undefined
}

/** The final outcome a provider's report says, at the time the provider decided. */
export function finalOutcomeOf(
  notification: ProviderNotification,
  report: ProviderOutcomeReported,
): FinalOutcome {
  if (report.approved)
    return {
      status: 'approved',
      reference: report.providerReference ?? notification.notificationId,
      amountMinor: report.amountMinor,
      currency: report.currency,
      expiresAt: report.expiresAt,
      at: notification.occurredAt,
    }
  const reason = FAILURE_REASONS.find((r) => r === report.failureReason) ?? 'OTHER'
  return { status: 'declined', reason, message: report.message ?? reason, at: notification.occurredAt }
}

/** Why a report cannot be the outcome of the pending call, or undefined when it can. */
export function mismatchOf(
  pending: { readonly source: OutcomeSource; readonly amountMinor: number },
  report: ProviderOutcomeReported,
): string | undefined {
  if (report.currency !== pending.source.currency)
    return `the report is in ${report.currency}, the pending call in ${pending.source.currency}`
  if (report.approved && report.amountMinor > pending.amountMinor)
    return `the report approves ${report.amountMinor}, more than the ${pending.amountMinor} asked for`
  return undefined
}

/**
 * The call an outcome event settles, when the event is an outcome: a failure names its call in the
 * gateway's message (`capture declined: ...`), an authorisation's failure names none.
 */
export function settledOperationOf(event: PaymentEvent): PaymentOperation | undefined {
  const p = event.payload
  if ('dev.oxagry.payments.PaymentAuthorised' in p) return 'authorise'
  if ('dev.oxagry.payments.PaymentCaptured' in p) return 'capture'
  if ('dev.oxagry.payments.PaymentVoided' in p) return 'void'
  if ('dev.oxagry.payments.PaymentRefunded' in p) return 'refund'
  if ('dev.oxagry.payments.PaymentFailed' in p) {
    const message = p['dev.oxagry.payments.PaymentFailed'].message ?? ''
    const named = (['capture', 'void', 'refund'] as const).find((op) => message.startsWith(`${op} declined:`))
    return named ?? 'authorise'
  }
  return undefined
}

/** The id of the outcome event of a pending call: the synchronous path's id for the same command. */
export function expectedOutcomeIdOf(source: OutcomeSource): string {
  return paymentEventIdOf(source.commandId, 'outcome')
}
