import {
  Contracts,
  type BookingCommand,
  createAvroSerde,
  type OrderCommand,
  type OrderEvent,
  type ProviderNotification,
  type SchemaRegistryClient,
  type StockCommand,
} from '@oxagry/avro'
import { ApiError, ApiOptionsError } from '@oxagry/api-http'
import { injectTraceContext, type BackendProducer, type KafkaBackend } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'

/** The topics the commerce API writes to: the catalogue's names unless a platform prefixes them. */
export interface CommerceTopics {
  /** OrderPlaced events (`orders.order-events.v1`). */
  readonly orderEvents: string
  /** Cancel and refund requests (`orders.order-commands.v1`). */
  readonly orderCommands: string
  /** Stock adjustments (`inventory.stock-commands.v1`). */
  readonly stockCommands: string
  /** The payment provider's verified webhook reports (`payments.provider-notifications.v1`). */
  readonly providerNotifications: string
  /** Booking requests and cancellations (`bookings.booking-commands.v1`); the catalogue's when absent. */
  readonly bookingCommands?: string
}

export const DEFAULT_COMMERCE_TOPICS: CommerceTopics = Object.freeze({
  orderEvents: TOPICS.orderEvents.name,
  orderCommands: TOPICS.orderCommands.name,
  stockCommands: TOPICS.stockCommands.name,
  providerNotifications: TOPICS.providerNotifications.name,
  bookingCommands: TOPICS.bookingCommands.name,
})

/**
 * Every write of the commerce API: one record per request, answered once the broker acknowledged it.
 * A write that fails or is not acknowledged in time throws `OXA_API_UNAVAILABLE` (503).
 */
export interface CommerceWriter {
  /** An OrderPlaced event, keyed by its order id. */
  placeOrder(event: OrderEvent): Promise<void>
  /** A cancel or refund request, keyed by its order id. */
  orderCommand(command: OrderCommand): Promise<void>
  /** A stock adjustment, keyed by `productId|warehouseId`. */
  stockCommand(key: string, command: StockCommand): Promise<void>
  /** A payment provider's verified report, keyed by its order id. */
  providerNotification(notification: ProviderNotification): Promise<void>
  /** A booking request or cancellation, keyed by its machine type. */
  bookingCommand(command: BookingCommand): Promise<void>
  close(): Promise<void>
}

export interface CommerceWriterOptions {
  readonly backend: KafkaBackend
  readonly registry: SchemaRegistryClient
  readonly topics?: CommerceTopics
  /** Register the contracts when missing (tests, embedded mode); production registers them from CI. */
  readonly autoRegister?: boolean
  /**
   * How long a write may wait for the broker's acknowledgement before the request is answered 503.
   * The client's retry with the same Idempotency-Key makes the same record, so a write acknowledged
   * after the 503 is deduplicated downstream (same order id, same event id).
   */
  readonly ackTimeoutMs?: number
}

export const DEFAULT_ACK_TIMEOUT_MS = 5_000

/**
 * The commerce API's producer: Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro
 * body) through the catalogue's contracts. Each request produces exactly one record, so a write is
 * either acknowledged whole or not at all: nothing half-written when Kafka is unreachable.
 */
export async function createCommerceWriter(options: CommerceWriterOptions): Promise<CommerceWriter> {
  const topics = options.topics ?? DEFAULT_COMMERCE_TOPICS
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
  if (!Number.isSafeInteger(ackTimeoutMs) || ackTimeoutMs < 1)
    throw new ApiOptionsError([`writer.ackTimeoutMs must be a positive integer, got ${ackTimeoutMs}`])
  const common = { registry: options.registry, autoRegister: options.autoRegister ?? false }
  const bookingCommands = topics.bookingCommands ?? TOPICS.bookingCommands.name
  const serdes = {
    event: await createAvroSerde({ ...common, contract: Contracts.OrderEvent, topics: [topics.orderEvents] }),
    command: await createAvroSerde({
      ...common,
      contract: Contracts.OrderCommand,
      topics: [topics.orderCommands],
    }),
    stock: await createAvroSerde({
      ...common,
      contract: Contracts.StockCommand,
      topics: [topics.stockCommands],
    }),
    notification: await createAvroSerde({
      ...common,
      contract: Contracts.ProviderNotification,
      topics: [topics.providerNotifications],
    }),
    booking: await createAvroSerde({
      ...common,
      contract: Contracts.BookingCommand,
      topics: [bookingCommands],
    }),
  }
  const producer: BackendProducer = await options.backend.producer({ clientId: 'oxagry-commerce-api' })

  async function send(topic: string, key: string, value: Buffer, at: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement from the broker within ${ackTimeoutMs} ms`)),
        ackTimeoutMs,
      )
    })
    try {
      await Promise.race([
        // The request's span (the route runs in it): the stream applications continue its trace.
        producer.send([
          { topic, key: Buffer.from(key), value, timestamp: at, headers: injectTraceContext({}) },
        ]),
        timeout,
      ])
    } catch (error) {
      throw new ApiError(
        'OXA_API_UNAVAILABLE',
        'the event log did not accept the write, so nothing was written: retry with the same Idempotency-Key',
        { cause: error },
      )
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async placeOrder(event) {
      const value = await serdes.event.serialize(topics.orderEvents, event, {})
      await send(topics.orderEvents, event.orderId, value, event.occurredAt)
    },
    async orderCommand(command) {
      const value = await serdes.command.serialize(topics.orderCommands, command, {})
      await send(topics.orderCommands, command.orderId, value, command.occurredAt)
    },
    async stockCommand(key, command) {
      const value = await serdes.stock.serialize(topics.stockCommands, command, {})
      await send(topics.stockCommands, key, value, command.occurredAt)
    },
    async providerNotification(notification) {
      const topic = topics.providerNotifications
      const value = await serdes.notification.serialize(topic, notification, {})
      await send(topic, notification.orderId, value, notification.occurredAt)
    },
    async bookingCommand(command) {
      const value = await serdes.booking.serialize(bookingCommands, command, {})
      await send(bookingCommands, command.machineType, value, command.occurredAt)
    },
    close: () => producer.close(),
  }
}
