import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { DEFAULT_ORDERS_TOPICS, type OrdersSerdes, type OrdersTopics } from './options.ts'

/** Avro serdes for every topic the application touches, each warmed on its topic. */
export async function createOrdersSerdes(
  registry: SchemaRegistryClient,
  topics: OrdersTopics = DEFAULT_ORDERS_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<OrdersSerdes> {
  const autoRegister = options.autoRegister ?? false
  const warm = { registry, autoRegister }
  const [
    orderEvent,
    orderCommand,
    orderValidation,
    orderStatus,
    paymentEvent,
    paymentCommand,
    stockCommand,
    product,
    deadLetter,
  ] = await Promise.all([
    createAvroSerde({ ...warm, contract: Contracts.OrderEvent, topics: [topics.orderEvents] }),
    createAvroSerde({ ...warm, contract: Contracts.OrderCommand, topics: [topics.orderCommands] }),
    createAvroSerde({ ...warm, contract: Contracts.OrderValidation, topics: [topics.orderValidations] }),
    createAvroSerde({ ...warm, contract: Contracts.OrderStatus, topics: [topics.orderStatus] }),
    createAvroSerde({ ...warm, contract: Contracts.PaymentEvent, topics: [topics.paymentEvents] }),
    createAvroSerde({ ...warm, contract: Contracts.PaymentCommand, topics: [topics.paymentCommands] }),
    createAvroSerde({ ...warm, contract: Contracts.StockCommand, topics: [topics.stockCommands] }),
    createAvroSerde({ ...warm, contract: Contracts.Product, topics: [topics.products] }),
    createAvroSerde({ ...warm, contract: Contracts.DeadLetter, topics: [topics.deadLetters] }),
  ])
  return {
    orderEvent,
    orderCommand,
    orderValidation,
    orderStatus,
    paymentEvent,
    paymentCommand,
    stockCommand,
    product,
    deadLetter,
  }
}
