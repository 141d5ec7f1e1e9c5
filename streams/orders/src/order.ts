import type {
  CancellationReason,
  CurrencyCode,
  CustomerId,
  OrderId,
  PaymentId,
  PaymentState,
  ProductId,
  WarehouseId,
} from '@oxagry/avro'

/** The checks an order waits for after its details passed; each has the reason its failure leads to. */
export const CHECKS = {
  INVENTORY: 'OUT_OF_STOCK',
  FRAUD: 'FRAUD_SUSPECTED',
  PAYMENT: 'PAYMENT_FAILED',
} as const satisfies Record<string, CancellationReason>

export type Check = keyof typeof CHECKS

export interface CheckAnswer {
  readonly passed: boolean
  readonly reason: CancellationReason | null
  readonly note: string | null
}

/** One stock key's share of the order: lines for the same product and warehouse summed. */
export interface StockLine {
  readonly productId: ProductId
  readonly warehouseId: WarehouseId
  readonly quantity: number
}

export type Lifecycle = 'PLACED' | 'CONFIRMED' | 'CANCELLED' | 'COMPLETED'

/**
 * An order as the orders application keeps it in its store. `placed` is absent while only answers
 * that arrived before the order itself are known (they are kept and applied when it comes).
 */
export interface OrderRecord {
  readonly orderId: OrderId
  readonly placed?: {
    readonly customerId: CustomerId
    readonly currency: CurrencyCode
    readonly totalMinor: number
    readonly itemCount: number
    readonly placedAt: number
    /** SHA-256 of the OrderPlaced body: the same checkout sent again matches, another body does not. */
    readonly digest: string
    readonly lines: readonly StockLine[]
  }
  readonly state: Lifecycle | 'AWAITING_ORDER'
  readonly checks: Partial<Record<Check, CheckAnswer>>
  /** Wall-clock deadlines of the checks still pending, set when the order is placed. */
  readonly deadlines?: { readonly validationAt: number; readonly paymentAt: number }
  /** Set when stock was asked for: every later compensation goes to these keys. */
  readonly reservationsRequested: boolean
  readonly paymentId: PaymentId | null
  readonly paymentState: PaymentState | null
  readonly cancellationReason: CancellationReason | null
  readonly note: string | null
  readonly deliveredAt: number | null
  readonly updatedAt: number
  /** Events folded in: the status's version. */
  readonly version: number
}

export function emptyOrder(orderId: OrderId, at: number): OrderRecord {
  return {
    orderId,
    state: 'AWAITING_ORDER',
    checks: {},
    reservationsRequested: false,
    paymentId: null,
    paymentState: null,
    cancellationReason: null,
    note: null,
    deliveredAt: null,
    updatedAt: at,
    version: 0,
  }
}
