/** Error codes of the orders application; the `ORDER_*` ones are also what notes and metrics name. */
export const ORDERS_ERROR_CODES = {
  /** Options or environment are invalid; the message names the path or the variable. */
  INVALID_OPTIONS: 'OXA_ORDERS_INVALID_OPTIONS',
} as const

export type OrdersErrorCode = (typeof ORDERS_ERROR_CODES)[keyof typeof ORDERS_ERROR_CODES]

export class OrdersError extends Error {
  readonly code: OrdersErrorCode
  readonly retriable = false
  readonly context: { readonly path?: string }

  constructor(code: OrdersErrorCode, message: string, context: { path?: string } = {}) {
    super(message)
    this.name = 'OrdersError'
    this.code = code
    this.context = context
  }
}
