/**
 * The commerce read side's views: what the sinks keep (orders and payments in PostgreSQL, stock in
 * MongoDB or PostgreSQL) and what the commerce API reads. One definition of each row, shared by the
 * writers (sinks) and the readers (apis/commerce), as the machine read model is.
 *
 * Every row carries the position it was built from (`version`): an upsert applies only when its version
 * is newer than the stored one, so a replay or a late duplicate never moves a row back.
 */

export const ORDER_STATES = ['PLACED', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'UNKNOWN'] as const
export type OrderState = (typeof ORDER_STATES)[number]

/** One line of an order, from its OrderPlaced event. */
export interface OrderLineView {
  readonly productId: string
  readonly warehouseId: string
  readonly quantity: number
  readonly unitPriceMinor: number
}

/**
 * An order: its lines (from `orders.order-events.v1` OrderPlaced) and its state (from
 * `orders.order-status.v1`). A view row may exist with lines but no status yet (the placement was
 * seen first) or the reverse; `state` is PLACED until a status says otherwise.
 */
export interface OrderView {
  readonly orderId: string
  readonly customerId: string
  readonly state: OrderState
  /** PaymentState of the status topic, null before any payment step. */
  readonly paymentState: string | null
  readonly cancellationReason: string | null
  readonly note: string | null
  readonly currency: string
  readonly totalMinor: number
  readonly itemCount: number
  readonly lines: readonly OrderLineView[]
  /** epoch ms */
  readonly placedAt: number
  readonly updatedAt: number
  /** The status record's `version`; 0 while only the placement is known. */
  readonly version: number
}

/** A payment, folded from `payments.payment-events.v1` (keyed by order, one payment id per attempt). */
export interface PaymentView {
  readonly paymentId: string
  readonly orderId: string
  /** REQUESTED | AUTHORISED | CAPTURED | FAILED | REFUNDED | VOIDED */
  readonly state: string
  readonly amountMinor: number
  readonly currency: string
  readonly method: string | null
  readonly failureReason: string | null
  readonly refundedMinor: number
  readonly createdAt: number
  readonly updatedAt: number
  /** The source record's position, `partition * 2^40 + offset`: the events carry no version. */
  readonly version: number
}

/** Stock of one product in one warehouse, from `inventory.stock-levels.v1`. */
export interface StockView {
  readonly productId: string
  readonly warehouseId: string
  readonly onHand: number
  readonly reserved: number
  readonly available: number
  readonly lowStockThreshold: number | null
  readonly updatedAt: number
  readonly version: number
}

export const RESERVATION_STATES = ['RESERVED', 'RELEASED', 'EXPIRED', 'FULFILLED'] as const
/** RESERVED until released: RELEASED (the order was cancelled), EXPIRED (it was not decided in time), FULFILLED (shipped; a SALE adjustment follows). */
export type ReservationState = (typeof RESERVATION_STATES)[number]

/**
 * One reservation of stock for an order line, folded from `inventory.stock-events.v1` (StockReserved,
 * ReservationReleased). The contract has no version, so `version` is the latest event's record position
 * (`partition * 2^40 + offset`); every event of a reservation is on its stock key's one partition.
 */
export interface ReservationView {
  readonly reservationId: string
  readonly orderId: string
  readonly productId: string
  readonly warehouseId: string
  readonly quantity: number
  readonly state: ReservationState
  /** When an unconfirmed reservation lapses, as reserved (a confirmation writes no stock event); epoch ms. */
  readonly expiresAt: number | null
  /** Event times, epoch ms; null when the view never saw that event (e.g. read from the middle of the log). */
  readonly reservedAt: number | null
  readonly releasedAt: number | null
  readonly updatedAt: number
  readonly version: number
}

export interface ReservationQuery {
  /** At least one of orderId, productId and warehouseId; those given must all match. */
  readonly orderId?: string
  readonly productId?: string
  readonly warehouseId?: string
  readonly state?: ReservationState
  /** 1 to 1000; default 100. */
  readonly limit?: number
  /** `nextCursor` of the previous page. */
  readonly cursor?: string
}

export interface ReservationPage {
  /** By reservationId. */
  readonly items: readonly ReservationView[]
  readonly nextCursor?: string
}

/** Stock reservations, read by the commerce API (MongoDB when MONGODB_URL is set, PGlite otherwise). */
export interface ReservationReadModel {
  reservations(query: ReservationQuery): Promise<ReservationPage>
  close(): Promise<void>
}

export interface OrderListQuery {
  readonly customerId?: string
  readonly state?: OrderState
  /** placedAt bounds, epoch ms, inclusive from and exclusive to. */
  readonly from?: number
  readonly to?: number
  /** 1 to 1000; default 100. */
  readonly limit?: number
  /** `nextCursor` of the previous page. */
  readonly cursor?: string
}

export interface OrderPage {
  /** Newest placement first, then orderId. */
  readonly items: readonly OrderView[]
  readonly nextCursor?: string
}

/** Orders and payments, read by the commerce API (PostgreSQL, or PGlite on embedded defaults). */
export interface CommerceReadModel {
  getOrder(orderId: string): Promise<OrderView | undefined>
  listOrders(query?: OrderListQuery): Promise<OrderPage>
  getPayment(paymentId: string): Promise<PaymentView | undefined>
  /** Oldest first. */
  paymentsOfOrder(orderId: string): Promise<readonly PaymentView[]>
  close(): Promise<void>
}

/** Stock levels, read by the commerce API (MongoDB when MONGODB_URL is set, PGlite otherwise). */
export interface StockReadModel {
  /** Every warehouse's stock of the product when warehouseId is left out, by warehouseId. */
  stock(query: { productId?: string; warehouseId?: string }): Promise<readonly StockView[]>
  /** Rows whose available stock is at or below their threshold, by productId then warehouseId. */
  lowStock(limit?: number): Promise<readonly StockView[]>
  close(): Promise<void>
}
