import { nameUuid, productId, warehouseId } from '@oxagry/avro'
import { COMMERCE_SCOPES } from '@oxagry/api-auth'
import { ApiError } from '@oxagry/api-http'
import { stockKey } from '@oxagry/topics'
import type { FastifyInstance } from 'fastify'
import { bodyDigest } from '../idempotency.ts'
import type { CommerceRouteOptions } from '../options.ts'
import {
  acceptedSchema,
  adjustmentBody,
  errors,
  IDEMPOTENCY_KEY,
  stockSchema,
  TOKEN_ID,
  type AdjustmentBody,
} from '../schemas.ts'
import { stockJson } from '../views.ts'

const stockList = {
  type: 'object',
  required: ['stock'],
  properties: { stock: { type: 'array', items: stockSchema } },
} as const

/** Stock levels and low stock from the stock view; adjustments as `inventory.stock-commands.v1` commands. */
export async function inventoryRoutes(app: FastifyInstance, options: CommerceRouteOptions): Promise<void> {
  app.get<{ Querystring: { productId?: string; warehouseId?: string } }>(
    '/inventory/stock',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: "A product's stock per warehouse, a warehouse's stock, or one product in one warehouse",
        description:
          'At least one of `productId` and `warehouseId`. Both: 404 when the warehouse never held the product.',
        tags: ['inventory'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { productId: TOKEN_ID, warehouseId: TOKEN_ID },
        },
        response: { 200: stockList, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { productId: product, warehouseId: warehouse } = request.query
      if (product === undefined && warehouse === undefined)
        throw new ApiError('OXA_API_BAD_REQUEST', 'querystring must have productId or warehouseId')
      const rows = await options.stock.stock({
        ...(product === undefined ? {} : { productId: product }),
        ...(warehouse === undefined ? {} : { warehouseId: warehouse }),
      })
      if (product !== undefined && warehouse !== undefined && rows.length === 0)
        throw new ApiError('OXA_API_NOT_FOUND', `no stock of ${product} in ${warehouse}`)
      return { stock: rows.map(stockJson) }
    },
  )

  app.get<{ Querystring: { limit: number } }>(
    '/inventory/low-stock',
    {
      config: { scopes: [COMMERCE_SCOPES.read] },
      schema: {
        summary: 'Stock at or below its low-stock threshold, by product then warehouse',
        tags: ['inventory'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: { 200: stockList, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => ({ stock: (await options.stock.lowStock(request.query.limit)).map(stockJson) }),
  )

  app.post<{ Body: AdjustmentBody; Headers: { 'idempotency-key': string } }>(
    '/inventory/adjustments',
    {
      config: { scopes: [COMMERCE_SCOPES.operator] },
      schema: {
        summary: 'Adjust the stock on hand (operators); 202 once the AdjustStock command is in the event log',
        description:
          'Idempotent like orders: the command id is derived from the `Idempotency-Key`, so a retry is applied ' +
          'once; the same key with another body is 409 while this server knows the key.',
        tags: ['inventory'],
        headers: {
          type: 'object',
          required: ['idempotency-key'],
          properties: { 'idempotency-key': IDEMPOTENCY_KEY },
        },
        body: adjustmentBody,
        response: { 202: acceptedSchema, ...errors(400, 401, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body
      const key = request.headers['idempotency-key']
      const commandId = nameUuid(`stock-adjustment:${key}`)
      options.digests.claim(`stock:${key}`, bodyDigest(body), `stock adjustment ${commandId}`)
      const product = productId(body.productId)
      const warehouse = warehouseId(body.warehouseId)
      await options.writer.stockCommand(stockKey(product, warehouse), {
        commandId,
        productId: product,
        warehouseId: warehouse,
        occurredAt: options.now(),
        payload: {
          'dev.oxagry.inventory.AdjustStock': {
            reason: body.reason,
            delta: body.delta,
            reference: body.reference ?? null,
          },
        },
      })
      const location = `${options.prefix}/inventory/stock?productId=${product}&warehouseId=${warehouse}`
      return reply.code(202).header('location', location).send({ status: 'accepted', commandId, location })
    },
  )
}
