import type { CurrencyCode, PaymentCommand, PaymentEvent } from '@oxagry/avro'
import { paymentEventIdOf } from './ids.ts'
import type {
  AuthoriseRequest,
  FinalOutcome,
  PaymentOperation,
  PaymentProvider,
  PaymentRequest,
  ProviderOutcome,
  RefundRequest,
} from './provider.ts'

/** The provider call a command asks for. */
export type ProviderCall =
  | { readonly operation: 'authorise'; readonly request: AuthoriseRequest }
  | { readonly operation: 'capture' | 'void'; readonly request: PaymentRequest }
  | { readonly operation: 'refund'; readonly request: RefundRequest }

export function callOf(command: PaymentCommand): ProviderCall {
  const base = { paymentId: command.paymentId, orderId: command.orderId }
  const p = command.payload
  if ('dev.oxagry.payments.AuthorisePayment' in p) {
    const a = p['dev.oxagry.payments.AuthorisePayment']
    return {
      operation: 'authorise',
      request: { ...base, amountMinor: a.amountMinor, currency: a.currency, customerId: a.customerId },
    }
  }
  if ('dev.oxagry.payments.CapturePayment' in p) {
    const c = p['dev.oxagry.payments.CapturePayment']
    return { operation: 'capture', request: { ...base, amountMinor: c.amountMinor, currency: c.currency } }
  }
  if ('dev.oxagry.payments.VoidPayment' in p) {
    const v = p['dev.oxagry.payments.VoidPayment']
    return { operation: 'void', request: { ...base, amountMinor: v.amountMinor, currency: v.currency } }
  }
  const r = p['dev.oxagry.payments.RefundPayment']
  return {
    operation: 'refund',
    request: { ...base, amountMinor: r.amountMinor, currency: r.currency, reason: r.reason },
  }
}

export function invoke(provider: PaymentProvider, call: ProviderCall): Promise<ProviderOutcome> {
  switch (call.operation) {
    case 'authorise':
      return provider.authorise(call.request)
    case 'capture':
      return provider.capture(call.request)
    case 'void':
      return provider.void(call.request)
    case 'refund':
      return provider.refund(call.request)
  }
}

/** `PaymentRequested` for an authorisation (the marketplace asked for a payment by card), else nothing. */
export function requestedEvent(command: PaymentCommand): PaymentEvent | undefined {
  const call = callOf(command)
  if (call.operation !== 'authorise') return undefined
  return {
    eventId: paymentEventIdOf(command.commandId, 'requested'),
    paymentId: command.paymentId,
    orderId: command.orderId,
    occurredAt: command.occurredAt,
    payload: {
      'dev.oxagry.payments.PaymentRequested': {
        amountMinor: call.request.amountMinor,
        currency: currencyOf(command),
        method: 'CARD',
      },
    },
  }
}

/** The command's currency, as the contract brands it. */
function currencyOf(command: PaymentCommand): CurrencyCode {
  const p = command.payload
  if ('dev.oxagry.payments.AuthorisePayment' in p) return p['dev.oxagry.payments.AuthorisePayment'].currency
  if ('dev.oxagry.payments.CapturePayment' in p) return p['dev.oxagry.payments.CapturePayment'].currency
  if ('dev.oxagry.payments.VoidPayment' in p) return p['dev.oxagry.payments.VoidPayment'].currency
  return p['dev.oxagry.payments.RefundPayment'].currency
}

/** The event of the provider's final answer to a command. */
export function outcomeEvent(command: PaymentCommand, outcome: FinalOutcome): PaymentEvent {
  const call = callOf(command)
  const base = {
    eventId: paymentEventIdOf(command.commandId, 'outcome'),
    paymentId: command.paymentId,
    orderId: command.orderId,
    occurredAt: outcome.at,
  }
  if (outcome.status === 'declined') {
    const message =
      call.operation === 'authorise' ? outcome.message : `${call.operation} declined: ${outcome.message}`
    return { ...base, payload: { 'dev.oxagry.payments.PaymentFailed': { reason: outcome.reason, message } } }
  }
  const money = { amountMinor: outcome.amountMinor, currency: currencyOf(command) }
  const payload: PaymentEvent['payload'] = ((operation: PaymentOperation) => {
    switch (operation) {
      case 'authorise':
        return {
          'dev.oxagry.payments.PaymentAuthorised': {
            ...money,
            authorisationCode: outcome.reference,
            expiresAt: outcome.expiresAt,
          },
        }
      case 'capture':
        return { 'dev.oxagry.payments.PaymentCaptured': money }
      case 'void':
        return { 'dev.oxagry.payments.PaymentVoided': money }
      case 'refund':
        return {
          'dev.oxagry.payments.PaymentRefunded': {
            ...money,
            reason: call.operation === 'refund' ? call.request.reason : '',
          },
        }
    }
  })(call.operation)
  return { ...base, payload }
}
