import type { InventoryTopics } from '@oxagry/inventory'
import type { OrdersTopics } from '@oxagry/orders'
import type { PaymentsTopics } from '@oxagry/payments'
import { TOPICS, type TopicSpec } from '@oxagry/topics'

/** The catalogue's commerce topics: orders, inventory and payments. */
export const COMMERCE = {
  orderEvents: TOPICS.orderEvents,
  orderCommands: TOPICS.orderCommands,
  orderValidations: TOPICS.orderValidations,
  orderStatus: TOPICS.orderStatus,
  paymentEvents: TOPICS.paymentEvents,
  paymentCommands: TOPICS.paymentCommands,
  providerNotifications: TOPICS.providerNotifications,
  stockCommands: TOPICS.stockCommands,
  stockEvents: TOPICS.stockEvents,
  stockLevels: TOPICS.stockLevels,
  products: TOPICS.products,
  ordersDeadLetters: TOPICS.ordersDeadLetters,
  inventoryDeadLetters: TOPICS.inventoryDeadLetters,
  paymentsDeadLetters: TOPICS.paymentsDeadLetters,
} as const satisfies Record<string, TopicSpec>

export type CommerceTopicNames = Readonly<Record<keyof typeof COMMERCE, string>>

/** Each commerce topic's name on a platform (`name` applies its prefix). */
export function commerceTopicNames(name: (spec: TopicSpec) => string): CommerceTopicNames {
  return Object.fromEntries(
    Object.entries(COMMERCE).map(([k, spec]) => [k, name(spec)]),
  ) as CommerceTopicNames
}

/** The topics of each application, from the platform's names. */
export function ordersTopicsOf(t: CommerceTopicNames): OrdersTopics {
  return {
    orderEvents: t.orderEvents,
    orderCommands: t.orderCommands,
    orderValidations: t.orderValidations,
    orderStatus: t.orderStatus,
    paymentEvents: t.paymentEvents,
    paymentCommands: t.paymentCommands,
    stockCommands: t.stockCommands,
    products: t.products,
    deadLetters: t.ordersDeadLetters,
  }
}

export function inventoryTopicsOf(t: CommerceTopicNames): InventoryTopics {
  return {
    commands: t.stockCommands,
    products: t.products,
    events: t.stockEvents,
    levels: t.stockLevels,
    validations: t.orderValidations,
    deadLetters: t.inventoryDeadLetters,
  }
}

export function paymentsTopicsOf(t: CommerceTopicNames): PaymentsTopics {
  return {
    paymentCommands: t.paymentCommands,
    paymentEvents: t.paymentEvents,
    orderEvents: t.orderEvents,
    orderValidations: t.orderValidations,
    deadLetters: t.paymentsDeadLetters,
    providerNotifications: t.providerNotifications,
  }
}

/** Where the simulated market writes. */
export function marketTopicsOf(t: CommerceTopicNames): {
  product: string
  stock: string
  order: string
  command: string
} {
  return { product: t.products, stock: t.stockCommands, order: t.orderEvents, command: t.orderCommands }
}
