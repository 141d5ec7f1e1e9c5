import {
  ORDER_STATES,
  RESERVATION_STATES,
  type ReservationPage,
  type ReservationQuery,
  type ReservationState,
  type ReservationView,
  type OrderListQuery,
  type OrderPage,
  type OrderState,
  type OrderView,
} from './commerce-views.ts'
import { SINK_ERROR_CODES, SinkError } from './errors.ts'
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './read-model.ts'

/** No id holds control characters, and PostgreSQL's text refuses NUL (a 500 rather than an empty page). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/

/** `path` names the argument (`/query/state`), so an API can answer 400 naming its own parameter. */
function invalidQuery(path: string, message: string): never {
  throw new SinkError(SINK_ERROR_CODES.INVALID_QUERY, `${path} ${message}`, { context: { path } })
}

/** Where the previous page ended: the last order's placement time and id. */
export interface OrderCursor {
  readonly placedAt: number
  readonly orderId: string
}

export function encodeOrderCursor(cursor: OrderCursor): string {
  return Buffer.from(JSON.stringify({ p: cursor.placedAt, o: cursor.orderId })).toString('base64url')
}

/** Only what encodeOrderCursor made: it must encode back to itself (as the machine list's cursor). */
export function decodeOrderCursor(cursor: string): OrderCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      p?: unknown
      o?: unknown
    } | null
    const placedAt = parsed?.p
    const orderId = parsed?.o
    if (
      typeof placedAt === 'number' &&
      Number.isSafeInteger(placedAt) &&
      typeof orderId === 'string' &&
      !CONTROL.test(orderId) &&
      encodeOrderCursor({ placedAt, orderId }) === cursor
    )
      return { placedAt, orderId }
  } catch {
    // falls through to the error below
  }
  return invalidQuery('/query/cursor', 'is not a cursor this API returned')
}

export interface ResolvedOrderListQuery {
  readonly customerId?: string
  readonly state?: OrderState
  readonly from?: number
  readonly to?: number
  readonly limit: number
  readonly after?: OrderCursor
}

const epochMs = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** Checks an order list query once, for every implementation alike. */
export function resolveOrderListQuery(query: OrderListQuery = {}): ResolvedOrderListQuery {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    invalidQuery('/query/limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`)
  if (query.state !== undefined && !ORDER_STATES.includes(query.state))
    invalidQuery('/query/state', `must be one of ${ORDER_STATES.join(', ')}`)
  if (query.customerId !== undefined) {
    if (typeof query.customerId !== 'string' || query.customerId === '' || CONTROL.test(query.customerId))
      invalidQuery('/query/customerId', 'must be a non-empty id')
  }
  if (query.from !== undefined && !epochMs(query.from))
    invalidQuery('/query/from', 'must be a time in epoch milliseconds')
  if (query.to !== undefined && !epochMs(query.to))
    invalidQuery('/query/to', 'must be a time in epoch milliseconds')
  if (query.from !== undefined && query.to !== undefined && query.from > query.to)
    invalidQuery('/query/from', 'must not be after /query/to')
  return {
    limit,
    ...(query.customerId === undefined ? {} : { customerId: query.customerId }),
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    ...(query.cursor === undefined ? {} : { after: decodeOrderCursor(query.cursor) }),
  }
}

/** Builds a page from up to limit+1 orders fetched newest placement first, then by orderId. */
export function orderPageOf(rows: readonly OrderView[], limit: number): OrderPage {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeOrderCursor({ placedAt: last.placedAt, orderId: last.orderId }) }
    : { items }
}

export const DEFAULT_LOW_STOCK_LIMIT = 100

/** Which stock rows a `stock()` call asks for: at least one of the two ids. */
export function resolveStockQuery(query: { productId?: string; warehouseId?: string }): {
  productId?: string
  warehouseId?: string
} {
  for (const name of ['productId', 'warehouseId'] as const) {
    const value = query[name]
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      invalidQuery(`/query/${name}`, 'must be a non-empty id')
  }
  if (query.productId === undefined && query.warehouseId === undefined)
    invalidQuery('/query/productId', 'or /query/warehouseId is required')
  return {
    ...(query.productId === undefined ? {} : { productId: query.productId }),
    ...(query.warehouseId === undefined ? {} : { warehouseId: query.warehouseId }),
  }
}

export function resolveLowStockLimit(limit: number = DEFAULT_LOW_STOCK_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    invalidQuery('/query/limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`)
  return limit
}

export interface ResolvedReservationQuery {
  readonly orderId?: string
  readonly productId?: string
  readonly warehouseId?: string
  readonly state?: ReservationState
  readonly limit: number
  /** Only reservations whose id sorts after this one. */
  readonly after?: string
}

export function encodeReservationCursor(reservationId: string): string {
  return Buffer.from(JSON.stringify({ r: reservationId })).toString('base64url')
}

/** Only what encodeReservationCursor made. */
export function decodeReservationCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { r?: unknown } | null
    const id = parsed?.r
    if (typeof id === 'string' && !CONTROL.test(id) && encodeReservationCursor(id) === cursor) return id
  } catch {
    // falls through to the error below
  }
  return invalidQuery('/query/cursor', 'is not a cursor this API returned')
}

/** Checks a reservation query once, for every implementation alike. */
export function resolveReservationQuery(query: ReservationQuery): ResolvedReservationQuery {
  const ids = ['orderId', 'productId', 'warehouseId'] as const
  for (const name of ids) {
    const value = query[name]
    if (value !== undefined && (typeof value !== 'string' || value === '' || CONTROL.test(value)))
      invalidQuery(`/query/${name}`, 'must be a non-empty id')
  }
  if (ids.every((name) => query[name] === undefined))
    invalidQuery('/query/orderId', 'or /query/productId or /query/warehouseId is required')
  if (query.state !== undefined && !RESERVATION_STATES.includes(query.state))
    invalidQuery('/query/state', `must be one of ${RESERVATION_STATES.join(', ')}`)
  const limit = query.limit ?? DEFAULT_LIST_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    invalidQuery('/query/limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`)
  return {
    limit,
    ...(query.orderId === undefined ? {} : { orderId: query.orderId }),
    ...(query.productId === undefined ? {} : { productId: query.productId }),
    ...(query.warehouseId === undefined ? {} : { warehouseId: query.warehouseId }),
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.cursor === undefined ? {} : { after: decodeReservationCursor(query.cursor) }),
  }
}

/** Builds a page from up to limit+1 reservations fetched by reservationId. */
export function reservationPageOf(rows: readonly ReservationView[], limit: number): ReservationPage {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeReservationCursor(last.reservationId) }
    : { items }
}
