import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import {
  DEFAULT_NOTIFICATIONS_TOPICS,
  type NotificationsSerdes,
  type NotificationsTopics,
} from './options.ts'

/**
 * Avro serdes for every topic, each warmed on its topic, so they answer synchronously (the test
 * driver needs that; the runtime merely saves the round trips).
 */
export async function createNotificationsSerdes(
  registry: SchemaRegistryClient,
  topics: NotificationsTopics = DEFAULT_NOTIFICATIONS_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<NotificationsSerdes> {
  const autoRegister = options.autoRegister ?? false
  const [orderEvent, stockEvent, bookingEvent, preference, notification, delivery, deadLetter] =
    await Promise.all([
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.OrderEvent,
        topics: [topics.orderEvents],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.StockEvent,
        topics: [topics.stockEvents],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.BookingEvent,
        topics: [topics.bookingEvents],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.NotificationPreference,
        topics: [topics.preferences],
      }),
      createAvroSerde({ registry, autoRegister, contract: Contracts.Notification, topics: [topics.outbox] }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.NotificationDelivery,
        topics: [topics.deliveries],
      }),
      createAvroSerde({
        registry,
        autoRegister,
        contract: Contracts.DeadLetter,
        topics: [topics.deadLetters],
      }),
    ])
  return { orderEvent, stockEvent, bookingEvent, preference, notification, delivery, deadLetter }
}
