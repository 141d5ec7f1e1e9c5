import { COMMERCE_SCOPES, requireCustomer } from '@oxagry/api-auth'
import { NOTIFICATION_STATES, type NotificationReadModel } from '@oxagry/sink'
import type { FastifyInstance } from 'fastify'
import { errors, TOKEN_ID } from '../schemas.ts'
import { notificationJson } from '../views.ts'

const read = { scopes: [COMMERCE_SCOPES.read] }

const isoOrNull = { type: ['string', 'null'], format: 'date-time' } as const

/** A notification as the API answers it. */
export const notificationSchema = {
  type: 'object',
  required: [
    'notificationId',
    'channel',
    'template',
    'subject',
    'body',
    'reference',
    'createdAt',
    'state',
    'heldUntil',
    'deliveredAt',
    'failureReason',
  ],
  properties: {
    notificationId: { type: 'string', format: 'uuid' },
    channel: { type: 'string', enum: ['EMAIL', 'SMS', 'PUSH', 'OTHER'] },
    template: { type: 'string', description: 'ORDER_CONFIRMED, BOOKING_CONFIRMED, MACHINE_LATE, ...' },
    subject: { type: 'string' },
    body: { type: 'string' },
    reference: { type: 'string', description: 'what it is about: order:<id> or booking:<id>' },
    occurredAt: { type: 'string', format: 'date-time', description: 'when what it tells of happened' },
    createdAt: { type: 'string', format: 'date-time', description: 'when it was rendered' },
    heldUntil: { ...isoOrNull, description: 'the end of the quiet hours it waited for, if it did' },
    state: { type: 'string', enum: [...NOTIFICATION_STATES] },
    deliveredAt: { ...isoOrNull, description: 'when it was sent or given up' },
    failureReason: { type: ['string', 'null'] },
  },
} as const

/** `GET /customers/{customerId}/notifications`: what the platform told a customer, newest first. */
export async function notificationsRoutes(
  app: FastifyInstance,
  options: { readonly notifications: NotificationReadModel },
): Promise<void> {
  app.get<{ Params: { customerId: string }; Querystring: { limit: number; cursor?: string } }>(
    '/customers/:customerId/notifications',
    {
      config: read,
      schema: {
        summary: "A customer's notifications, newest first, with what became of each",
        description:
          'Every e-mail, SMS and push message rendered for the customer (order and booking steps), whether ' +
          'it is pending (in the outbox, not yet sent), sent, or failed; an SMS or push held for the quiet hours shows ' +
          'once they end, with `heldUntil`. `cursor` is the previous ' +
          "page's `nextCursor`, opaque. A customer's token reads its own notifications only.",
        tags: ['notifications'],
        params: {
          type: 'object',
          required: ['customerId'],
          properties: { customerId: TOKEN_ID },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['notifications'],
            properties: {
              notifications: { type: 'array', items: notificationSchema },
              nextCursor: { type: 'string' },
            },
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const { customerId } = request.params
      requireCustomer(request, customerId)
      const page = await options.notifications.customerNotifications({
        customerId,
        limit: request.query.limit,
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      })
      return {
        notifications: page.items.map(notificationJson),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  )
}
