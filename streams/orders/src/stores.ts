import { Serdes } from '@oxagry/kafka'
import { Stores } from '@oxagry/streams'
import type { OrderRecord } from './order.ts'

/** The orders application's state stores. */
export const ORDERS_STORES = {
  /** Every order by id: the decision, the answers so far, what was asked of stock and payments. */
  orders: 'orders-store',
  /** The product catalogue, a global table. */
  products: 'orders-products-store',
} as const

/** The order store, typed: `getStateStore(ORDER_STORE)` is a store of order records by order id. */
export const ORDER_STORE = Stores.persistentKeyValueStore(ORDERS_STORES.orders, {
  keySerde: Serdes.String(),
  valueSerde: Serdes.Json<OrderRecord>(),
})
