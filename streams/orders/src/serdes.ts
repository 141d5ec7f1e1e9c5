import type { SchemaRegistryClient } from '@oxagry/avro'
import { createTopicDescriptors } from '@oxagry/topics'
import { DEFAULT_ORDERS_TOPICS, ORDERS_TOPICS, type OrdersSerdes, type OrdersTopics } from './options.ts'

/** Avro serdes for every topic the application touches, each warmed on its topic (the catalogue says which contract). */
export async function createOrdersSerdes(
  registry: SchemaRegistryClient,
  topics: Partial<OrdersTopics> = DEFAULT_ORDERS_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<OrdersSerdes> {
  const t = await createTopicDescriptors(registry, ORDERS_TOPICS, { names: topics, ...options })
  return {
    orderEvent: t.orderEvents.valueSerde,
    orderCommand: t.orderCommands.valueSerde,
    orderValidation: t.orderValidations.valueSerde,
    orderStatus: t.orderStatus.valueSerde,
    paymentEvent: t.paymentEvents.valueSerde,
    paymentCommand: t.paymentCommands.valueSerde,
    stockCommand: t.stockCommands.valueSerde,
    product: t.products.valueSerde,
    deadLetter: t.deadLetters.valueSerde,
  }
}
