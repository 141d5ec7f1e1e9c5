import type { PaymentFailureReason } from '@oxagry/avro'

/** The four calls a payment provider answers. */
export const PAYMENT_OPERATIONS = ['authorise', 'capture', 'void', 'refund'] as const
export type PaymentOperation = (typeof PAYMENT_OPERATIONS)[number]

/** One call: the payment id is the idempotency key, so the same call made again is answered the same. */
export interface PaymentRequest {
  readonly paymentId: string
  readonly orderId: string
  readonly amountMinor: number
  readonly currency: string
}

export interface AuthoriseRequest extends PaymentRequest {
  readonly customerId: string
}

export interface RefundRequest extends PaymentRequest {
  readonly reason: string
}

/** The provider did it: a hold placed, money moved, a hold released, money given back. */
export interface Approved {
  readonly status: 'approved'
  /** The provider's reference (the authorisation code of a hold). */
  readonly reference: string
  readonly amountMinor: number
  readonly currency: string
  /** When a hold lapses, when the provider says (authorisations only). */
  readonly expiresAt: number | null
  /** When the provider answered: the event time of the step. */
  readonly at: number
}

/** The provider refused, for good: asking again gives the same answer. */
export interface Declined {
  readonly status: 'declined'
  readonly reason: PaymentFailureReason
  readonly message: string
  readonly at: number
}

/** The provider could not be asked or did not answer: nothing happened, try again later. */
export interface Unavailable {
  readonly status: 'unavailable'
  readonly message: string
}

/**
 * The provider took the call but decides later (3-D Secure, a bank transfer): the final outcome
 * arrives by webhook. Asking again with the same idempotency key answers pending again, as a real
 * provider replays its first response, so only the webhook path writes the outcome.
 */
export interface Pending {
  readonly status: 'pending'
  /** The provider's reference of the pending call. */
  readonly reference: string
  /** When the provider answered. */
  readonly at: number
}

export type ProviderOutcome = Approved | Declined | Pending | Unavailable
/** The outcomes a provider keeps as decided: an unavailable one is no answer, a pending one no decision. */
export type FinalOutcome = Approved | Declined
/** What a provider answers a call with, once it answered at all. */
export type Answer = FinalOutcome | Pending

/**
 * A payment provider behind the gateway: each call is idempotent per payment id and operation, so
 * the gateway may call again after a crash without charging twice.
 */
export interface PaymentProvider {
  readonly name: string
  authorise(request: AuthoriseRequest): Promise<ProviderOutcome>
  capture(request: PaymentRequest): Promise<ProviderOutcome>
  void(request: PaymentRequest): Promise<ProviderOutcome>
  refund(request: RefundRequest): Promise<ProviderOutcome>
  close?(): Promise<void>
}
