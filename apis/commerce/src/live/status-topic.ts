import { Contracts, createAvroSerde, type OrderStatus, type SchemaRegistryClient } from '@oxagry/avro'
import type { OrderStatusChange } from './feed.ts'

/**
 * Decodes records of `orders.order-status.v1` (Avro, Confluent wire format) into the feed's changes:
 * what a follower of the status topic publishes to an `OrderStatusBroadcast`.
 */
export async function createOrderStatusDecoder(
  registry: SchemaRegistryClient,
): Promise<(topic: string, bytes: Buffer) => Promise<OrderStatusChange>> {
  const serde = await createAvroSerde({ registry, contract: Contracts.OrderStatus })
  return async (topic, bytes) => {
    const s: OrderStatus = await serde.deserialize(topic, bytes, {})
    return {
      orderId: s.orderId,
      customerId: s.customerId,
      state: s.state,
      paymentState: s.paymentState,
      cancellationReason: s.cancellationReason,
      note: s.note,
      currency: s.currency,
      totalMinor: s.totalMinor,
      itemCount: s.itemCount,
      placedAt: s.placedAt,
      updatedAt: s.updatedAt,
      version: s.version,
    }
  }
}
