import { ApiError } from '@oxagry/api-http'
import {
  notificationOf,
  verifyWebhookSignature,
  WEBHOOK_NOTIFICATION_SCHEMA,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookError,
  type WebhookNotification,
} from '@oxagry/payment-webhooks'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CommerceRouteOptions, ResolvedWebhooks } from '../options.ts'
import { errors } from '../schemas.ts'

/** A provider's notification is small; anything larger is not one. */
const MAX_WEBHOOK_BYTES = 64 * 1024

const { $id: _id, ...notificationBody } = WEBHOOK_NOTIFICATION_SCHEMA

const webhookAccepted = {
  type: 'object',
  required: ['status', 'notificationId'],
  properties: { status: { type: 'string', enum: ['accepted'] }, notificationId: { type: 'string' } },
} as const

declare module 'fastify' {
  interface FastifyRequest {
    /** The body byte for byte as received: what the webhook's signature covers. */
    rawBody?: Buffer
  }
}

/**
 * The payment provider's webhook: `POST /payments/webhooks/{provider}`. No token: the request proves
 * itself by its signature over the raw body (`webhook-signature: t=<unix>,v1=<hex>`, HMAC-SHA256 under
 * the secret shared with that provider, within the tolerance), checked before the body is parsed. A
 * verified notification is written to `payments.provider-notifications.v1` and answered 202 once the
 * broker acknowledged it; the payments application turns it into the payment's outcome event.
 */
export async function paymentWebhookRoutes(
  app: FastifyInstance,
  options: CommerceRouteOptions & { readonly webhooks: ResolvedWebhooks },
): Promise<void> {
  const { webhooks } = options
  // Encapsulated: only this plugin's route keeps the raw bytes, which the signature needs.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES },
    (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body
      done(null, undefined)
    },
  )

  app.post<{ Params: { provider: string }; Body: WebhookNotification }>(
    '/payments/webhooks/:provider',
    {
      config: { signedWebhook: true },
      schema: {
        summary: "The payment provider's webhook: the outcome of a call it had answered pending",
        description:
          'Authenticated by its signature, not a token: header `webhook-signature: t=<unix seconds>,v1=<hex>`, ' +
          'v1 being HMAC-SHA256 of `<t>.<raw body>` under the secret shared with the provider (Stripe’s scheme; ' +
          'several v1 while a secret is rotated); a time more than the tolerance (300 s) from ours is refused. ' +
          '202 once the notification is in the event log; a notification delivered again is accepted again and ' +
          'written once as a payment event. 401 for a missing, malformed, stale or wrong signature, 404 for a ' +
          'provider without a secret, 400 naming the field of a bad body, 503 when the event log is unreachable ' +
          '(nothing written: the provider retries).',
        tags: ['payments'],
        // No bearer token: the signature header is the credential.
        security: [],
        params: {
          type: 'object',
          required: ['provider'],
          properties: { provider: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } },
        },
        headers: {
          type: 'object',
          properties: { [WEBHOOK_SIGNATURE_HEADER]: { type: 'string', maxLength: 1024 } },
        },
        body: notificationBody,
        response: { 202: webhookAccepted, ...errors(400, 401, 404, 413, 415, 429, 503) },
      },
      // The signature first, before the body is parsed or validated: an unsigned sender learns nothing.
      preValidation: async (request) => {
        const { provider } = request.params
        const secrets = webhooks.secrets.get(provider)
        if (secrets === undefined)
          throw new ApiError('OXA_API_NOT_FOUND', `no webhook is configured for the provider ${provider}`)
        const raw = request.rawBody ?? Buffer.alloc(0)
        try {
          verifyWebhookSignature({
            secrets,
            header: request.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined,
            body: raw,
            nowMs: options.now(),
            toleranceSeconds: webhooks.toleranceSeconds,
          })
        } catch (error) {
          if (error instanceof WebhookError)
            throw new ApiError('OXA_API_UNAUTHORIZED', `${error.message} (${error.code})`, { cause: error })
          throw error
        }
        try {
          request.body = JSON.parse(raw.toString('utf8')) as WebhookNotification
        } catch {
          throw new ApiError('OXA_API_BAD_REQUEST', 'body must be JSON')
        }
      },
    },
    async (request, reply) => {
      const notification = notificationOf(request.body, request.params.provider, options.now())
      await options.writer.providerNotification(notification)
      return reply.code(202).send({ status: 'accepted', notificationId: notification.notificationId })
    },
  )
}
