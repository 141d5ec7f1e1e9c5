import type {
  CurrencyCode,
  OrderId,
  PaymentCommand,
  PaymentEvent,
  PaymentId,
  ProviderNotification,
  ProviderOperation,
} from '@oxagry/avro'
import { paymentEventIdOf, pendingNoteIdOf } from './ids.ts'
import type {
  AuthoriseRequest,
  Pending,
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

/** What an outcome event is built from: the command's identity, its call and its money. */
export interface OutcomeSource {
  readonly commandId: string
  readonly paymentId: PaymentId
  readonly orderId: OrderId
  readonly operation: PaymentOperation
  readonly currency: CurrencyCode
  /** A refund's reason, as the operator wrote it. */
  readonly refundReason: string | null
}

export function outcomeSourceOf(command: PaymentCommand): OutcomeSource {
  const call = callOf(command)
  return {
    commandId: command.commandId,
    paymentId: command.paymentId,
    orderId: command.orderId,
    operation: call.operation,
    currency: currencyOf(command),
    refundReason: call.operation === 'refund' ? call.request.reason : null,
  }
}

/** The event of the provider's final answer to a command. */
export function outcomeEvent(command: PaymentCommand, outcome: FinalOutcome): PaymentEvent {
  return outcomeEventOf(outcomeSourceOf(command), outcome)
}

/**
 * The event of a final answer, however it came (the call's answer, or a webhook after a pending
 * one): its id derives from the command and the step, so both paths write the same event.
 */
export function outcomeEventOf(source: OutcomeSource, outcome: FinalOutcome): PaymentEvent {
  const { operation } = source
  const base = {
    eventId: paymentEventIdOf(source.commandId, 'outcome'),
    paymentId: source.paymentId,
    orderId: source.orderId,
    occurredAt: outcome.at,
  }
  if (outcome.status === 'declined') {
    const message = operation === 'authorise' ? outcome.message : `${operation} declined: ${outcome.message}`
    return { ...base, payload: { 'dev.oxagry.payments.PaymentFailed': { reason: outcome.reason, message } } }
  }
  const money = { amountMinor: outcome.amountMinor, currency: source.currency }
  const payload: PaymentEvent['payload'] = (() => {
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
          'dev.oxagry.payments.PaymentRefunded': { ...money, reason: source.refundReason ?? '' },
        }
    }
  })()
  return { ...base, payload }
}

const PROVIDER_OPERATION: Record<PaymentOperation, ProviderOperation> = {
  authorise: 'AUTHORISE',
  capture: 'CAPTURE',
  void: 'VOID',
  refund: 'REFUND',
}

/** The provider call a notification names, or undefined for one this version does not know (OTHER). */
export function paymentOperationOf(operation: ProviderOperation): PaymentOperation | undefined {
  return (Object.keys(PROVIDER_OPERATION) as PaymentOperation[]).find(
    (op) => PROVIDER_OPERATION[op] === operation,
  )
}

/**
 * The gateway's note that the provider answered a command pending: written with the command's offset,
 * it tells the payments application which command the webhook's outcome belongs to.
 */
export function pendingNote(command: PaymentCommand, pending: Pending): ProviderNotification {
  const source = outcomeSourceOf(command)
  const call = callOf(command)
  return {
    notificationId: pendingNoteIdOf(command.commandId),
    paymentId: command.paymentId,
    orderId: command.orderId,
    operation: PROVIDER_OPERATION[source.operation],
    occurredAt: pending.at,
    payload: {
      'dev.oxagry.payments.PaymentPending': {
        commandId: command.commandId,
        amountMinor: call.request.amountMinor,
        currency: source.currency,
        refundReason: source.refundReason,
        providerReference: pending.reference,
      },
    },
  }
}
