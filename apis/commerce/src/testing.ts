import { createLocalKey, localAuthSettings, mintToken, type AuthSettings } from '@oxagry/api-auth'
import type { BackendProducer, KafkaBackend } from '@oxagry/kafka'
import {
  reservationPageOf,
  resolveReservationQuery,
  SINK_ERROR_CODES,
  SinkError,
  type CommerceReadModel,
  type OrderListQuery,
  type OrderPage,
  type OrderView,
  type PaymentView,
  type ReservationPage,
  type ReservationQuery,
  type ReservationReadModel,
  type ReservationView,
  type StockReadModel,
  type StockView,
} from '@oxagry/sink'

/**
 * The commerce views in memory, honouring the contract of `CommerceReadModel`, `StockReadModel` and
 * `ReservationReadModel`:
 * newest placement first then orderId, keyset cursors, filters, `OXA_SINK_INVALID_QUERY` naming
 * `/query/<param>` for a bad query, and the version guard (an older row never replaces a newer one).
 * For the API's tests and anyone else's that need the views without a database.
 */
export class InMemoryCommerceViews implements CommerceReadModel, StockReadModel, ReservationReadModel {
  private readonly orders = new Map<string, OrderView>()
  private readonly payments = new Map<string, PaymentView>()
  private readonly stockRows = new Map<string, StockView>()
  private readonly reservationRows = new Map<string, ReservationView>()

  /** Stores the row unless a row of a higher version is held; whether it was stored. */
  putOrder(order: OrderView): boolean {
    return guarded(this.orders, order.orderId, order)
  }

  putPayment(payment: PaymentView): boolean {
    return guarded(this.payments, payment.paymentId, payment)
  }

  putStock(stock: StockView): boolean {
    return guarded(this.stockRows, `${stock.productId}|${stock.warehouseId}`, stock)
  }

  putReservation(reservation: ReservationView): boolean {
    return guarded(this.reservationRows, reservation.reservationId, reservation)
  }

  async getOrder(orderId: string): Promise<OrderView | undefined> {
    return this.orders.get(orderId)
  }

  async listOrders(query: OrderListQuery = {}): Promise<OrderPage> {
    const limit = query.limit ?? 100
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
      invalidQuery('/query/limit', 'must be an integer from 1 to 1000')
    for (const bound of ['from', 'to'] as const) {
      const value = query[bound]
      if (value !== undefined && !Number.isFinite(value)) invalidQuery(`/query/${bound}`, 'must be a time')
    }
    const after = query.cursor === undefined ? undefined : decodeOrderCursor(query.cursor)
    const matching = [...this.orders.values()]
      .filter(
        (o) =>
          (query.customerId === undefined || o.customerId === query.customerId) &&
          (query.state === undefined || o.state === query.state) &&
          (query.from === undefined || o.placedAt >= query.from) &&
          (query.to === undefined || o.placedAt < query.to) &&
          (after === undefined || newestFirst(o, after) > 0),
      )
      .sort(newestFirst)
    const items = matching.slice(0, limit)
    const last = items.at(-1)
    return matching.length > limit && last !== undefined
      ? { items, nextCursor: encodeOrderCursor(last) }
      : { items }
  }

  async getPayment(paymentId: string): Promise<PaymentView | undefined> {
    return this.payments.get(paymentId)
  }

  async paymentsOfOrder(orderId: string): Promise<readonly PaymentView[]> {
    return [...this.payments.values()]
      .filter((p) => p.orderId === orderId)
      .sort((a, b) => a.createdAt - b.createdAt || a.paymentId.localeCompare(b.paymentId))
  }

  async stock(query: { productId?: string; warehouseId?: string }): Promise<readonly StockView[]> {
    return [...this.stockRows.values()]
      .filter(
        (s) =>
          (query.productId === undefined || s.productId === query.productId) &&
          (query.warehouseId === undefined || s.warehouseId === query.warehouseId),
      )
      .sort((a, b) => a.warehouseId.localeCompare(b.warehouseId) || a.productId.localeCompare(b.productId))
  }

  async lowStock(limit = 100): Promise<readonly StockView[]> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
      invalidQuery('/query/limit', 'must be an integer from 1 to 1000')
    return [...this.stockRows.values()]
      .filter((s) => s.lowStockThreshold !== null && s.available <= s.lowStockThreshold)
      .sort((a, b) => a.productId.localeCompare(b.productId) || a.warehouseId.localeCompare(b.warehouseId))
      .slice(0, limit)
  }

  async reservations(query: ReservationQuery): Promise<ReservationPage> {
    const q = resolveReservationQuery(query)
    const rows = [...this.reservationRows.values()]
      .filter(
        (r) =>
          (q.orderId === undefined || r.orderId === q.orderId) &&
          (q.productId === undefined || r.productId === q.productId) &&
          (q.warehouseId === undefined || r.warehouseId === q.warehouseId) &&
          (q.state === undefined || r.state === q.state) &&
          (q.after === undefined || r.reservationId > q.after),
      )
      .sort((a, b) => (a.reservationId < b.reservationId ? -1 : a.reservationId > b.reservationId ? 1 : 0))
    return reservationPageOf(rows.slice(0, q.limit + 1), q.limit)
  }

  async close(): Promise<void> {}
}

function guarded<T extends { version: number }>(rows: Map<string, T>, key: string, row: T): boolean {
  const held = rows.get(key)
  if (held !== undefined && held.version > row.version) return false
  rows.set(key, row)
  return true
}

/** Negative when `a` comes first: newer placement first, then orderId ascending. */
function newestFirst(a: Pick<OrderView, 'placedAt' | 'orderId'>, b: Pick<OrderView, 'placedAt' | 'orderId'>) {
  return b.placedAt - a.placedAt || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0)
}

function invalidQuery(path: string, message: string): never {
  throw new SinkError(SINK_ERROR_CODES.INVALID_QUERY, `${path} ${message}`, { context: { path } })
}

function encodeOrderCursor(order: Pick<OrderView, 'placedAt' | 'orderId'>): string {
  return Buffer.from(JSON.stringify({ p: order.placedAt, o: order.orderId })).toString('base64url')
}

function decodeOrderCursor(cursor: string): Pick<OrderView, 'placedAt' | 'orderId'> {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      p?: unknown
      o?: unknown
    }
    if (typeof parsed.p === 'number' && typeof parsed.o === 'string') {
      const after = { placedAt: parsed.p, orderId: parsed.o }
      // Only what encodeOrderCursor makes: a changed character does not decode to something else.
      if (encodeOrderCursor(after) === cursor) return after
    }
  } catch {
    // falls through to the error below
  }
  return invalidQuery('/query/cursor', 'is not a cursor this API returned')
}

/** An order row for tests: a placed order of one line, overridable. */
export function orderView(orderId: string, overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId,
    customerId: 'farm-0001',
    state: 'PLACED',
    paymentState: null,
    cancellationReason: null,
    note: null,
    currency: 'EUR',
    totalMinor: 2500,
    itemCount: 1,
    lines: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 1, unitPriceMinor: 2500 }],
    placedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    version: 0,
    ...overrides,
  }
}

export function paymentView(
  paymentId: string,
  orderId: string,
  overrides: Partial<PaymentView> = {},
): PaymentView {
  return {
    paymentId,
    orderId,
    state: 'AUTHORISED',
    amountMinor: 2500,
    currency: 'EUR',
    method: 'CARD',
    failureReason: null,
    refundedMinor: 0,
    createdAt: 1_700_000_000_100,
    updatedAt: 1_700_000_000_200,
    version: 1,
    ...overrides,
  }
}

export function stockView(
  productId: string,
  warehouseId: string,
  overrides: Partial<StockView> = {},
): StockView {
  return {
    productId,
    warehouseId,
    onHand: 100,
    reserved: 10,
    available: 90,
    lowStockThreshold: 20,
    updatedAt: 1_700_000_000_000,
    version: 1,
    ...overrides,
  }
}

/** A reservation row for tests: 2 units of SEED-WHEAT-25KG at wh-north, reserved, overridable. */
export function reservationView(
  reservationId: string,
  orderId: string,
  overrides: Partial<ReservationView> = {},
): ReservationView {
  return {
    reservationId,
    orderId,
    productId: 'SEED-WHEAT-25KG',
    warehouseId: 'wh-north',
    quantity: 2,
    state: 'RESERVED',
    expiresAt: 1_700_000_060_000,
    reservedAt: 1_700_000_000_000,
    releasedAt: null,
    updatedAt: 1_700_000_000_000,
    version: 1,
    ...overrides,
  }
}

/**
 * A backend whose producers cannot reach the broker while `down()` says so: each send then rejects as a
 * client does when Kafka is down. Everything else is the wrapped backend's, so a test can read what
 * (nothing) was written.
 */
export function unreachableProducers(backend: KafkaBackend, down: () => boolean = () => true): KafkaBackend {
  return {
    name: `${backend.name} (producers unreachable)`,
    transactionalIds: backend.transactionalIds,
    admin: () => backend.admin(),
    consumer: (options) => backend.consumer(options),
    reader: (options) => backend.reader(options),
    close: () => backend.close(),
    async producer(options) {
      const real: BackendProducer = await backend.producer(options)
      return Object.assign(Object.create(real) as BackendProducer, {
        send: async (records: Parameters<BackendProducer['send']>[0]) => {
          if (down()) throw new Error('connect ECONNREFUSED 127.0.0.1:9092')
          return real.send(records)
        },
      })
    },
  }
}

/** Authentication for tests: a fresh local key, the settings that verify it, and tokens it signs. */
export async function commerceTestAuth(): Promise<{
  settings: AuthSettings
  token(scopes: readonly string[], claims?: { subject?: string; customerId?: string }): Promise<string>
}> {
  const key = await createLocalKey()
  return {
    settings: localAuthSettings(key),
    token: (scopes, claims = {}) =>
      mintToken(key, {
        subject: claims.subject ?? 'test',
        scopes,
        ...(claims.customerId === undefined ? {} : { customerId: claims.customerId }),
      }),
  }
}
