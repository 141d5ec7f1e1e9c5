import type { OrderValidation, PaymentEvent } from '@oxagry/avro'
import { validationIdOf } from './ids.ts'

/** The PAYMENT answer a payment event gives, if it gives one: authorised passes, failed fails. */
export function paymentValidation(event: PaymentEvent): OrderValidation | undefined {
  const base = {
    validationId: validationIdOf(event.orderId, 'PAYMENT'),
    orderId: event.orderId,
    check: 'PAYMENT' as const,
    occurredAt: event.occurredAt,
  }
  const payload = event.payload
  if ('dev.oxagry.payments.PaymentAuthorised' in payload) {
    const auth = payload['dev.oxagry.payments.PaymentAuthorised']
    return {
      ...base,
      passed: true,
      reason: null,
      note: `authorised ${auth.amountMinor} ${auth.currency} minor units, code ${auth.authorisationCode}`,
    }
  }
  if ('dev.oxagry.payments.PaymentFailed' in payload) {
    const failed = payload['dev.oxagry.payments.PaymentFailed']
    return {
      ...base,
      passed: false,
      reason: 'PAYMENT_FAILED',
      note: failed.message === null ? failed.reason : `${failed.reason}: ${failed.message}`,
    }
  }
  return undefined
}

/** The dedup key: one answer per order and payment. */
export function answerKeyOf(event: PaymentEvent): string {
  return `${event.orderId}|${event.paymentId}`
}
