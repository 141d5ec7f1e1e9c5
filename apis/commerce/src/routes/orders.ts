import { randomUUID } from 'node:crypto'
import {
  currencyCode,
  customerId as toCustomerId,
  nameUuid,
  orderId as toOrderId,
  productId as toProductId,
  warehouseId as toWarehouseId,
  type OrderEvent,
} from '@oxagry/avro'
import { COMMERCE_SCOPES, customerScope, requireCustomer } from '@oxagry/api-auth'
import { ApiError } from '@oxagry/api-http'
import { ORDER_STATES, type OrderState, type OrderView } from '@oxagry/sink'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CommerceRouteOptions } from '../options.ts'
import { bodyDigest } from '../idempotency.ts'
import {
  acceptedSchema,
  errors,
  IDEMPOTENCY_KEY,
  idParams,
  orderSchema,
  paymentSchema,
  placeOrderBody,
  TOKEN_ID,
  type PlaceOrderBody,
} from '../schemas.ts'
import { orderJson, paymentJson } from '../views.ts'
import { waitForOrder, type WaitTarget } from '../wait.ts'

const read = { scopes: [COMMERCE_SCOPES.read] }
const write = { scopes: [COMMERCE_SCOPES.write] }
const operator = { scopes: [COMMERCE_SCOPES.operator] }

/** The order id of a checkout: the same customer and key always make the same id, so retries agree. */
export function orderIdFor(customerId: string, idempotencyKey: string): string {
  return nameUuid(`order:${customerId}:${idempotencyKey}`)
}

/** The order, or 404; a customer's token sees its own orders only (another's is 404, not 403: no probing). */
export async function visibleOrder(
  options: CommerceRouteOptions,
  request: FastifyRequest,
  id: string,
): Promise<OrderView> {
  const order = await options.orders.getOrder(id)
  const own = customerScope(request)
  if (order === undefined || (own !== null && order.customerId !== own))
    throw new ApiError('OXA_API_NOT_FOUND', `order ${id} not found`)
  return order
}

/** Orders: place, read (optionally waiting for a state), list, cancel, refund, and their payments. */
export async function ordersRoutes(app: FastifyInstance, options: CommerceRouteOptions): Promise<void> {
  app.post<{ Body: PlaceOrderBody; Headers: { 'idempotency-key': string } }>(
    '/orders',
    {
      config: write,
      schema: {
        summary: 'Place an order; 202 once the OrderPlaced event is in the event log',
        description:
          'The order id is derived from the customer and the `Idempotency-Key`: a retry with the same key and ' +
          'body gets the same id and places nothing twice. The same key with another body is 409 when this ' +
          'server still knows the key, else the orders processor refuses the second checkout and the order ' +
          'keeps the first body. The decision follows asynchronously: `GET` the `Location` with `waitFor=decision`.',
        tags: ['orders'],
        headers: {
          type: 'object',
          required: ['idempotency-key'],
          properties: { 'idempotency-key': IDEMPOTENCY_KEY },
        },
        body: placeOrderBody,
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body
      const own = customerScope(request)
      const customer = body.customerId ?? own
      if (customer === null)
        throw new ApiError('OXA_API_BAD_REQUEST', "body must have required property 'customerId'")
      requireCustomer(request, customer)
      const key = request.headers['idempotency-key']
      const digest = bodyDigest({ ...body, customerId: customer })
      const orderId = orderIdFor(customer, key)
      options.digests.claim(`order:${customer}:${key}`, digest, `order ${orderId}`)
      const event: OrderEvent = {
        eventId: nameUuid(`api:placed:${orderId}:${digest}`),
        orderId: toOrderId(orderId),
        occurredAt: options.now(),
        payload: {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: toCustomerId(customer),
            items: body.items.map((item) => ({
              productId: toProductId(item.productId),
              warehouseId: toWarehouseId(item.warehouseId),
              quantity: item.quantity,
              unitPriceMinor: item.unitPriceMinor,
            })),
            currency: currencyCode(body.currency),
            deliveryLocation: {
              latitude: body.deliveryLocation.latitude,
              longitude: body.deliveryLocation.longitude,
              address: body.deliveryLocation.address ?? null,
            },
            idempotencyKey: key,
          },
        },
      }
      await options.writer.placeOrder(event)
      const location = `${options.prefix}/orders/${orderId}`
      return reply.code(202).header('location', location).send({ status: 'accepted', orderId, location })
    },
  )

  app.get<{ Params: { id: string }; Querystring: { waitFor?: WaitTarget; timeoutMs: number } }>(
    '/orders/:id',
    {
      config: read,
      schema: {
        summary: 'One order: its lines, state and payment state',
        description:
          '`waitFor` holds the answer until the order reaches that state (or `decision`: confirmed or ' +
          'cancelled), is past it, or `timeoutMs` elapse; the order is then read from the same view as a ' +
          'plain GET, so a client that waited sees what it waited for on every later read. The ' +
          '`oxagry-wait` header says `satisfied` or `timed-out`. An order not yet visible is waited for too; ' +
          'still unknown at the end: 404.',
        tags: ['orders'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            waitFor: { type: 'string', enum: [...ORDER_STATES.filter((s) => s !== 'UNKNOWN'), 'decision'] },
            timeoutMs: {
              type: 'integer',
              minimum: 0,
              maximum: options.maxWaitMs,
              default: 10_000 > options.maxWaitMs ? options.maxWaitMs : 10_000,
              description: 'with waitFor: the longest wait',
            },
          },
        },
        response: { 200: orderSchema, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { waitFor, timeoutMs } = request.query
      if (waitFor === undefined) return orderJson(await visibleOrder(options, request, id))
      const abort = new AbortController()
      // The response closing before it was sent is the client gone (the request's own 'close' fires as soon
      // as a GET is read, so it cannot tell).
      reply.raw.once('close', () => abort.abort())
      const { order, satisfied } = await waitForOrder(options.orders, id, waitFor, {
        timeoutMs,
        pollMs: options.pollMs,
        idlePollMs: options.idlePollMs,
        hints: options.hints,
        signal: abort.signal,
      })
      const own = customerScope(request)
      if (order === undefined || (own !== null && order.customerId !== own))
        throw new ApiError('OXA_API_NOT_FOUND', `order ${id} not found`)
      void reply.header('oxagry-wait', satisfied ? 'satisfied' : 'timed-out')
      return orderJson(order)
    },
  )

  app.get<{
    Querystring: {
      customerId?: string
      state?: OrderState
      from?: string
      to?: string
      limit: number
      cursor?: string
    }
  }>(
    '/orders',
    {
      config: read,
      schema: {
        summary: 'Orders, newest placement first, filtered by customer, state and placement time',
        description:
          "`from` is inclusive and `to` exclusive. `cursor` is the previous page's `nextCursor`, opaque. A " +
          "customer's token lists its own orders only.",
        tags: ['orders'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            customerId: TOKEN_ID,
            state: { type: 'string', enum: [...ORDER_STATES] },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['orders'],
            properties: { orders: { type: 'array', items: orderSchema }, nextCursor: { type: 'string' } },
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const q = request.query
      const own = customerScope(request)
      if (own !== null && q.customerId !== undefined) requireCustomer(request, q.customerId)
      const customer = own ?? q.customerId
      const from = q.from === undefined ? undefined : Date.parse(q.from)
      const to = q.to === undefined ? undefined : Date.parse(q.to)
      if (from !== undefined && to !== undefined && !(to > from))
        throw new ApiError('OXA_API_BAD_REQUEST', 'querystring/to must be after querystring/from')
      const page = await options.orders.listOrders({
        limit: q.limit,
        ...(customer === undefined ? {} : { customerId: customer }),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      })
      return {
        orders: page.items.map(orderJson),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  )

  app.post<{ Params: { id: string }; Body: { note?: string | null } }>(
    '/orders/:id/cancel',
    {
      // The body is optional: none at all reads as `{}`, so the schema still checks one that is sent.
      config: { ...write, optionalBody: true },
      schema: {
        summary: 'Ask to cancel an order; 202 once the CancelOrder command is in the event log',
        description:
          'Before the decision the order is cancelled; once confirmed its payment is voided; a completed ' +
          'order is refunded only by an operator. The outcome shows on the order.',
        tags: ['orders'],
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { note: { type: ['string', 'null'], maxLength: 500 } },
        },
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const order = await visibleOrder(options, request, request.params.id)
      if (order.state === 'CANCELLED' || order.state === 'COMPLETED')
        throw new ApiError(
          'OXA_API_CONFLICT',
          `order ${order.orderId} is ${order.state}: it cannot be cancelled`,
        )
      const commandId = randomUUID()
      await options.writer.orderCommand({
        commandId,
        orderId: toOrderId(order.orderId),
        occurredAt: options.now(),
        payload: { 'dev.oxagry.orders.CancelOrder': { note: request.body.note ?? null } },
      })
      const location = `${options.prefix}/orders/${order.orderId}`
      return reply
        .code(202)
        .header('location', location)
        .send({ status: 'accepted', orderId: order.orderId, commandId, location })
    },
  )

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/orders/:id/refund',
    {
      config: operator,
      schema: {
        summary: 'Refund a completed order (operators); 202 once the RefundOrder command is in the event log',
        tags: ['orders'],
        params: idParams,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const order = await visibleOrder(options, request, request.params.id)
      if (order.state !== 'COMPLETED')
        throw new ApiError(
          'OXA_API_CONFLICT',
          `order ${order.orderId} is ${order.state}: only a completed order is refunded (cancel the others)`,
        )
      const commandId = randomUUID()
      await options.writer.orderCommand({
        commandId,
        orderId: toOrderId(order.orderId),
        occurredAt: options.now(),
        payload: { 'dev.oxagry.orders.RefundOrder': { reason: request.body.reason } },
      })
      const location = `${options.prefix}/orders/${order.orderId}`
      return reply
        .code(202)
        .header('location', location)
        .send({ status: 'accepted', orderId: order.orderId, commandId, location })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/orders/:id/payments',
    {
      config: read,
      schema: {
        summary: "An order's payments, oldest first",
        tags: ['payments'],
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: ['payments'],
            properties: { payments: { type: 'array', items: paymentSchema } },
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const order = await visibleOrder(options, request, request.params.id)
      return { payments: (await options.orders.paymentsOfOrder(order.orderId)).map(paymentJson) }
    },
  )
}
