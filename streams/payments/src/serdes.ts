import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { DEFAULT_PAYMENTS_TOPICS, type PaymentsSerdes, type PaymentsTopics } from './options.ts'

/**
 * Avro serdes for every topic, each warmed on its topic, so they answer synchronously (the test
 * driver needs that; the runtime merely saves the round trips).
 */
export async function createPaymentsSerdes(
  registry: SchemaRegistryClient,
  topics: PaymentsTopics = DEFAULT_PAYMENTS_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<PaymentsSerdes> {
  const autoRegister = options.autoRegister ?? false
  const [paymentCommand, paymentEvent, orderEvent, validation, deadLetter, providerNotification] =
    await Promise.all([
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.PaymentCommand,
        topics: [topics.paymentCommands],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.PaymentEvent,
        topics: [topics.paymentEvents],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.OrderEvent,
        topics: [topics.orderEvents],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.OrderValidation,
        topics: [topics.orderValidations],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.DeadLetter,
        topics: [topics.deadLetters],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.ProviderNotification,
        topics: [topics.providerNotifications],
      }),
    ])
  return { paymentCommand, paymentEvent, orderEvent, validation, deadLetter, providerNotification }
}
