/** The orders application's state stores. */
export const ORDERS_STORES = {
  /** Every order by id: the decision, the answers so far, what was asked of stock and payments. */
  orders: 'orders-store',
  /** The product catalogue, a global table. */
  products: 'orders-products-store',
} as const
