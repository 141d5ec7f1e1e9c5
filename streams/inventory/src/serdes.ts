import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { DEFAULT_INVENTORY_TOPICS, type InventorySerdes, type InventoryTopics } from './options.ts'

/**
 * Avro serdes for every topic, each warmed on its topic, so they answer synchronously (the test
 * driver needs that; the runtime merely saves the round trips). Data written with another registered
 * schema still needs one registry lookup, which the runtime awaits.
 */
export async function createInventorySerdes(
  registry: SchemaRegistryClient,
  topics: InventoryTopics = DEFAULT_INVENTORY_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<InventorySerdes> {
  const autoRegister = options.autoRegister ?? false
  const [command, product, event, level, validation, deadLetter] = await Promise.all([
    createAvroSerde({ registry, autoRegister, contract: Contracts.StockCommand, topics: [topics.commands] }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.Product, topics: [topics.products] }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.StockEvent, topics: [topics.events] }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.StockLevel, topics: [topics.levels] }),
    createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.OrderValidation,
      topics: [topics.validations],
    }),
    createAvroSerde({ registry, autoRegister, contract: Contracts.DeadLetter, topics: [topics.deadLetters] }),
  ])
  return { command, product, event, level, validation, deadLetter }
}
