import { ORDER_STATES, RESERVATION_STATES } from '@oxagry/sink'

/**
 * The commerce API's JSON schemas: request bodies and parameters (validated by Fastify, a 400 naming
 * the field) and responses (documented at /docs, and what serialization keeps).
 */

/** Customer, product and warehouse ids: the Avro brands' pattern, so a valid request encodes. */
export const TOKEN_ID = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
} as const

export const UUID_ID = {
  type: 'string',
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'a lowercase UUID',
} as const

export const idParams = { type: 'object', required: ['id'], properties: { id: UUID_ID } } as const

/** The Idempotency-Key header: what the client makes once per request and sends again on retries. */
export const IDEMPOTENCY_KEY = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'printable ASCII, one per request; a retry sends the same key and body',
} as const

/** The error answers a route documents, each the one `ApiError` body. */
export function errors<S extends number>(...statuses: S[]): Record<S, { $ref: 'ApiError#' }> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ApiError#' }])) as Record<
    S,
    { $ref: 'ApiError#' }
  >
}

const dateTime = { type: 'string', format: 'date-time' } as const
const nullableString = { type: ['string', 'null'] } as const

export const orderLineSchema = {
  type: 'object',
  required: ['productId', 'warehouseId', 'quantity', 'unitPriceMinor'],
  properties: {
    productId: { type: 'string' },
    warehouseId: { type: 'string' },
    quantity: { type: 'integer' },
    unitPriceMinor: { type: 'integer' },
  },
} as const

const orderStatusProperties = {
  orderId: { type: 'string' },
  customerId: { type: 'string' },
  state: { type: 'string', enum: [...ORDER_STATES] },
  paymentState: nullableString,
  cancellationReason: nullableString,
  note: {
    ...nullableString,
    description: 'why the order is where it is: what was invalid, a refused duplicate',
  },
  currency: { type: 'string' },
  totalMinor: { type: 'integer' },
  itemCount: { type: 'integer' },
  placedAt: dateTime,
  updatedAt: dateTime,
  version: { type: 'integer' },
} as const

export const orderSchema = {
  type: 'object',
  required: [...Object.keys(orderStatusProperties), 'lines'],
  properties: { ...orderStatusProperties, lines: { type: 'array', items: orderLineSchema } },
} as const

export const paymentSchema = {
  type: 'object',
  required: [
    'paymentId',
    'orderId',
    'state',
    'amountMinor',
    'currency',
    'method',
    'failureReason',
    'refundedMinor',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    paymentId: { type: 'string' },
    orderId: { type: 'string' },
    state: { type: 'string', description: 'REQUESTED, AUTHORISED, CAPTURED, FAILED, REFUNDED or VOIDED' },
    amountMinor: { type: 'integer' },
    currency: { type: 'string' },
    method: nullableString,
    failureReason: nullableString,
    refundedMinor: { type: 'integer' },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const

export const stockSchema = {
  type: 'object',
  required: ['productId', 'warehouseId', 'onHand', 'reserved', 'available', 'lowStockThreshold', 'updatedAt'],
  properties: {
    productId: { type: 'string' },
    warehouseId: { type: 'string' },
    onHand: { type: 'integer' },
    reserved: { type: 'integer' },
    available: { type: 'integer' },
    lowStockThreshold: { type: ['integer', 'null'] },
    updatedAt: dateTime,
  },
} as const

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const

export const reservationSchema = {
  type: 'object',
  required: [
    'reservationId',
    'orderId',
    'productId',
    'warehouseId',
    'quantity',
    'state',
    'expiresAt',
    'reservedAt',
    'releasedAt',
    'updatedAt',
  ],
  properties: {
    reservationId: { type: 'string' },
    orderId: { type: 'string' },
    productId: { type: 'string' },
    warehouseId: { type: 'string' },
    quantity: { type: 'integer' },
    state: {
      type: 'string',
      enum: [...RESERVATION_STATES],
      description: 'RELEASED: the order was cancelled; EXPIRED: not decided in time; FULFILLED: shipped',
    },
    expiresAt: { ...nullableDateTime, description: 'when an unconfirmed reservation lapses, as reserved' },
    reservedAt: nullableDateTime,
    releasedAt: nullableDateTime,
    updatedAt: dateTime,
  },
} as const

/** What a write answers with (202): the resource it will change, and where to read it. */
export const acceptedSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['accepted'] },
    orderId: { type: 'string' },
    bookingId: { type: 'string' },
    commandId: { type: 'string' },
    location: { type: 'string' },
  },
} as const

export const placeOrderBody = {
  type: 'object',
  required: ['items', 'currency', 'deliveryLocation'],
  additionalProperties: false,
  properties: {
    customerId: {
      ...TOKEN_ID,
      description: "the buying customer; a customer's token may leave it out (its own is taken)",
    },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['productId', 'warehouseId', 'quantity', 'unitPriceMinor'],
        additionalProperties: false,
        properties: {
          productId: TOKEN_ID,
          warehouseId: TOKEN_ID,
          quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          unitPriceMinor: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000 },
        },
      },
    },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. EUR' },
    deliveryLocation: {
      type: 'object',
      required: ['latitude', 'longitude'],
      additionalProperties: false,
      properties: {
        latitude: { type: 'number', minimum: -90, maximum: 90 },
        longitude: { type: 'number', minimum: -180, maximum: 180 },
        address: { type: ['string', 'null'], maxLength: 500 },
      },
    },
  },
} as const

export interface PlaceOrderBody {
  readonly customerId?: string
  readonly items: readonly {
    readonly productId: string
    readonly warehouseId: string
    readonly quantity: number
    readonly unitPriceMinor: number
  }[]
  readonly currency: string
  readonly deliveryLocation: {
    readonly latitude: number
    readonly longitude: number
    readonly address?: string | null
  }
}

export const ADJUSTMENT_REASONS = ['RECEIPT', 'SALE', 'CORRECTION'] as const

export const adjustmentBody = {
  type: 'object',
  required: ['productId', 'warehouseId', 'reason', 'delta'],
  additionalProperties: false,
  properties: {
    productId: TOKEN_ID,
    warehouseId: TOKEN_ID,
    reason: { type: 'string', enum: [...ADJUSTMENT_REASONS] },
    delta: {
      type: 'integer',
      minimum: -1_000_000_000,
      maximum: 1_000_000_000,
      not: { const: 0 },
      description: 'signed change of the quantity on hand, not 0',
    },
    reference: { type: ['string', 'null'], maxLength: 200 },
  },
} as const

export interface AdjustmentBody {
  readonly productId: string
  readonly warehouseId: string
  readonly reason: (typeof ADJUSTMENT_REASONS)[number]
  readonly delta: number
  readonly reference?: string | null
}
