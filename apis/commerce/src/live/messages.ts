import { Ajv } from 'ajv'
import type { OrderStatusChange } from './feed.ts'

/** What a client of `/ws/orders` may send: a customer's orders, or orders by id. */
export type ClientMessage =
  | { readonly type: 'subscribe'; readonly customerId: string }
  | { readonly type: 'subscribe'; readonly orderIds: readonly string[] }
  | { readonly type: 'unsubscribe' }
  | { readonly type: 'ping' }

/** Order status as sent: times in ISO 8601, as the REST API answers them. */
export type OrderStatusMessage = Omit<OrderStatusChange, 'placedAt' | 'updatedAt'> & {
  readonly placedAt: string
  readonly updatedAt: string
}

/** What the server sends. `update` carries the newest status of each order that changed since the last one. */
export type ServerMessage =
  | {
      readonly type: 'subscribed'
      readonly customerId: string | null
      readonly orderIds: readonly string[] | null
    }
  | { readonly type: 'snapshot'; readonly orders: readonly OrderStatusMessage[] }
  | { readonly type: 'update'; readonly orders: readonly OrderStatusMessage[] }
  | { readonly type: 'heartbeat'; readonly at: number }
  | { readonly type: 'pong' }
  | {
      readonly type: 'error'
      readonly code: 'BAD_JSON' | 'BAD_MESSAGE' | 'TOO_LARGE' | 'FORBIDDEN' | 'UNAVAILABLE'
      readonly message: string
    }

export const MAX_SUBSCRIBED_ORDERS = 1_000
/**
 * The largest client message: a subscribe of MAX_SUBSCRIBED_ORDERS UUIDs (36 characters, 3 more for
 * quotes and comma) with room for whitespace: 64 KiB.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024

const TOKEN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

const schema = {
  oneOf: [
    {
      type: 'object',
      required: ['type', 'customerId'],
      additionalProperties: false,
      properties: { type: { const: 'subscribe' }, customerId: { type: 'string', pattern: TOKEN } },
    },
    {
      type: 'object',
      required: ['type', 'orderIds'],
      additionalProperties: false,
      properties: {
        type: { const: 'subscribe' },
        orderIds: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_SUBSCRIBED_ORDERS,
          items: { type: 'string', pattern: UUID },
        },
      },
    },
    {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { enum: ['unsubscribe', 'ping'] } },
    },
  ],
} as const

const validate = new Ajv({ allErrors: false }).compile<ClientMessage>(schema)

type Parsed =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly error: ServerMessage & { type: 'error' } }

function bad(message: string): Parsed {
  return { ok: false, error: { type: 'error', code: 'BAD_MESSAGE', message } }
}

/** A client's text frame as a message, or the error frame that says what is wrong with it. */
export function parseClientMessage(text: string): Parsed {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return { ok: false, error: { type: 'error', code: 'BAD_JSON', message: 'a message must be JSON' } }
  }
  const type = (data as { type?: unknown } | null)?.type
  if (type !== 'subscribe' && type !== 'unsubscribe' && type !== 'ping')
    return bad('/type must be one of subscribe, unsubscribe, ping')
  if (validate(data)) return { ok: true, message: data }
  if (type !== 'subscribe') return bad(`a ${type} message has no other field`)
  const d = data as { customerId?: unknown; orderIds?: unknown }
  if ((d.customerId === undefined) === (d.orderIds === undefined))
    return bad('a subscribe has exactly one of /customerId and /orderIds')
  // Only the branch of the fields given explains anything; ajv reports every branch of the oneOf.
  const branch = d.customerId === undefined ? '/oneOf/1/' : '/oneOf/0/'
  const detail = (validate.errors ?? [])
    .filter((e) => e.schemaPath.startsWith(`#${branch}`) && e.keyword !== 'const')
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
    )
  return bad([...new Set(detail)].join('; ') || 'invalid subscribe')
}
