import { COMMERCE_SCOPES, customerScope } from '@oxagry/api-auth'
import { ApiError } from '@oxagry/api-http'
import type { FastifyInstance } from 'fastify'
import type { CommerceRouteOptions } from '../options.ts'
import { errors, idParams, paymentSchema } from '../schemas.ts'
import { paymentJson } from '../views.ts'

/** Payments by id (an order's payments are under the order). */
export async function paymentsRoutes(app: FastifyInstance, options: CommerceRouteOptions): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/payments/:id',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: 'One payment attempt of an order',
        tags: ['payments'],
        params: idParams,
        response: { 200: paymentSchema, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { id } = request.params
      const payment = await options.orders.getPayment(id)
      const own = customerScope(request)
      // A customer's token sees the payments of its own orders only: another's is as unknown.
      const visible =
        payment !== undefined &&
        (own === null || (await options.orders.getOrder(payment.orderId))?.customerId === own)
      if (!visible) throw new ApiError('OXA_API_NOT_FOUND', `payment ${id} not found`)
      return paymentJson(payment)
    },
  )
}
