import type {
  CurrencyCode,
  OrderId,
  PaymentId,
  ProviderNotification,
  ProviderOperation,
  TimestampMillis,
} from '@oxagry/avro'

/** The provider calls a notification reports on, as the provider spells them. */
export const WEBHOOK_OPERATIONS = ['authorise', 'capture', 'void', 'refund'] as const
export type WebhookOperation = (typeof WEBHOOK_OPERATIONS)[number]

/** Why a provider refused; the PaymentFailureReason symbols of the payment events. */
export const WEBHOOK_FAILURE_REASONS = [
  'DECLINED',
  'INSUFFICIENT_FUNDS',
  'EXPIRED',
  'FRAUD_SUSPECTED',
  'PROVIDER_ERROR',
  'OTHER',
] as const
export type WebhookFailureReason = (typeof WEBHOOK_FAILURE_REASONS)[number]

/**
 * The body the provider POSTs when a call it answered `pending` is decided: one outcome of one call
 * of one payment. `id` is the provider's id of the notification: a redelivery carries the same.
 */
export interface WebhookNotification {
  readonly id: string
  readonly paymentId: string
  readonly orderId: string
  readonly operation: WebhookOperation
  readonly outcome: 'approved' | 'declined'
  readonly amountMinor: number
  readonly currency: string
  /** The provider's reference (the authorisation code of a hold); approvals only. */
  readonly reference?: string | null
  /** When a hold lapses, epoch ms; approved authorisations only. */
  readonly expiresAt?: number | null
  /** Why it refused; declines only. */
  readonly reason?: WebhookFailureReason | null
  readonly message?: string | null
  /** When the provider decided, epoch ms. */
  readonly occurredAt: number
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

/** The body's JSON Schema: the route validates with it, so a 400 names the field. */
export const WEBHOOK_NOTIFICATION_SCHEMA = {
  $id: 'PaymentWebhookNotification',
  type: 'object',
  description: "A payment provider's report of the final outcome of a call it had answered pending",
  additionalProperties: false,
  required: ['id', 'paymentId', 'orderId', 'operation', 'outcome', 'amountMinor', 'currency', 'occurredAt'],
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: "The provider's id of the notification",
    },
    paymentId: {
      type: 'string',
      pattern: UUID,
      description: 'The payment (our idempotency key at the provider)',
    },
    orderId: { type: 'string', pattern: UUID, description: 'The order paid for' },
    operation: { type: 'string', enum: [...WEBHOOK_OPERATIONS] },
    outcome: { type: 'string', enum: ['approved', 'declined'] },
    amountMinor: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    reference: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
    expiresAt: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    reason: { type: ['string', 'null'], enum: [...WEBHOOK_FAILURE_REASONS, null] },
    message: { type: ['string', 'null'], maxLength: 1000 },
    occurredAt: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  if: { properties: { outcome: { const: 'declined' } } },
  then: { required: ['reason'], properties: { reason: { type: 'string' } } },
} as const

const OPERATION: Record<WebhookOperation, ProviderOperation> = {
  authorise: 'AUTHORISE',
  capture: 'CAPTURE',
  void: 'VOID',
  refund: 'REFUND',
}

/** The operation as the ProviderNotification contract spells it. */
export function providerOperationOf(operation: WebhookOperation): ProviderOperation {
  return OPERATION[operation]
}

/**
 * The event a verified, valid notification becomes on `payments.provider-notifications.v1`, keyed
 * by its orderId. The body must have passed WEBHOOK_NOTIFICATION_SCHEMA.
 */
export function notificationOf(
  body: WebhookNotification,
  provider: string,
  receivedAt: number,
): ProviderNotification {
  const approved = body.outcome === 'approved'
  return {
    notificationId: body.id,
    paymentId: body.paymentId as PaymentId,
    orderId: body.orderId as OrderId,
    operation: OPERATION[body.operation],
    occurredAt: body.occurredAt as TimestampMillis,
    payload: {
      'dev.oxagry.payments.ProviderOutcomeReported': {
        provider,
        approved,
        providerReference: approved ? (body.reference ?? null) : null,
        amountMinor: body.amountMinor,
        currency: body.currency as CurrencyCode,
        expiresAt: approved && body.expiresAt != null ? (body.expiresAt as TimestampMillis) : null,
        failureReason: approved ? null : (body.reason ?? 'OTHER'),
        message: approved ? null : (body.message ?? null),
        receivedAt: receivedAt as TimestampMillis,
      },
    },
  }
}
