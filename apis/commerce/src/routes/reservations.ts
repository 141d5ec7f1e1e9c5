import { COMMERCE_SCOPES, customerScope } from '@oxagry/api-auth'
import { ApiError } from '@oxagry/api-http'
import { RESERVATION_STATES, type ReservationState } from '@oxagry/sink'
import type { FastifyInstance } from 'fastify'
import type { CommerceRouteOptions } from '../options.ts'
import { errors, reservationSchema, TOKEN_ID, UUID_ID } from '../schemas.ts'
import { reservationJson } from '../views.ts'
import { visibleOrder } from './orders.ts'

interface ReservationQuerystring {
  orderId?: string
  productId?: string
  warehouseId?: string
  state?: ReservationState
  limit: number
  cursor?: string
}

/** Stock reservations from the reservations view: an order's, or a product's and warehouse's. */
export async function reservationsRoutes(app: FastifyInstance, options: CommerceRouteOptions): Promise<void> {
  app.get<{ Querystring: ReservationQuerystring }>(
    '/inventory/reservations',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: "An order's stock reservations, or those of a product and/or warehouse, by reservation id",
        description:
          'At least one of `orderId`, `productId` and `warehouseId`; those given must all match. `cursor` is ' +
          "the previous page's `nextCursor`, opaque. A customer's token reads its own orders' reservations " +
          'only, so it must name the order (another customer’s order is 404).',
        tags: ['inventory'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            orderId: UUID_ID,
            productId: TOKEN_ID,
            warehouseId: TOKEN_ID,
            state: { type: 'string', enum: [...RESERVATION_STATES] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['reservations'],
            properties: {
              reservations: { type: 'array', items: reservationSchema },
              nextCursor: { type: 'string' },
            },
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const q = request.query
      if (q.orderId === undefined && q.productId === undefined && q.warehouseId === undefined)
        throw new ApiError('OXA_API_BAD_REQUEST', 'querystring must have orderId, productId or warehouseId')
      if (customerScope(request) !== null) {
        if (q.orderId === undefined)
          throw new ApiError('OXA_API_FORBIDDEN', "a customer's token reads reservations by orderId only")
        await visibleOrder(options, request, q.orderId)
      }
      const page = await options.reservations.reservations({
        limit: q.limit,
        ...(q.orderId === undefined ? {} : { orderId: q.orderId }),
        ...(q.productId === undefined ? {} : { productId: q.productId }),
        ...(q.warehouseId === undefined ? {} : { warehouseId: q.warehouseId }),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      })
      return {
        reservations: page.items.map(reservationJson),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  )
}
