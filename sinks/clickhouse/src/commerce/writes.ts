import type { OrderEvent, OrderStatus, PaymentEvent, Product, StockEvent } from '@oxagry/avro'
import type { Deserializer } from '@oxagry/kafka'
import type { Decode } from '@oxagry/sink'
import { CLICKHOUSE_ERROR_CODES, ClickHouseError } from '../errors.ts'
import { topicPosition } from './rows.ts'

/** What the commerce fact sink writes, one variant per source topic. */
export type CommerceFactWrite =
  | { readonly kind: 'order-event'; readonly event: OrderEvent }
  | { readonly kind: 'order-status'; readonly status: OrderStatus }
  | { readonly kind: 'payment-event'; readonly event: PaymentEvent }
  | { readonly kind: 'stock-event'; readonly event: StockEvent }
  /** version: the record's position in the (compacted) products topic. */
  | { readonly kind: 'product'; readonly product: Product; readonly version: number }

/** The topics the commerce facts come from, as named on this platform (prefix applied). */
export interface CommerceFactTopics {
  readonly orderEvents: string
  readonly orderStatus: string
  readonly paymentEvents: string
  readonly stockEvents: string
  readonly products: string
}

export interface CommerceFactDeserializers {
  readonly orderEvents: Deserializer<OrderEvent>
  readonly orderStatus: Deserializer<OrderStatus>
  readonly paymentEvents: Deserializer<PaymentEvent>
  readonly stockEvents: Deserializer<StockEvent>
  readonly products: Deserializer<Product>
}

/**
 * One decoder for the five topics, dispatching on the record's topic. Tombstones (the compacted
 * status and products topics) are skipped: a fact, once true, stays in the history.
 */
export function decodeCommerceFacts(
  topics: CommerceFactTopics,
  deserializers: CommerceFactDeserializers,
): Decode<CommerceFactWrite> {
  const names = Object.values(topics)
  if (new Set(names).size !== names.length)
    throw new ClickHouseError(
      CLICKHOUSE_ERROR_CODES.INVALID_OPTIONS,
      `commerce fact topics must be distinct: ${names.join(', ')}`,
    )
  return async (record) => {
    const { topic, value, headers } = record
    if (value === null) return null
    switch (topic) {
      case topics.orderEvents:
        return {
          kind: 'order-event',
          event: await deserializers.orderEvents.deserialize(topic, value, headers),
        }
      case topics.orderStatus:
        return {
          kind: 'order-status',
          status: await deserializers.orderStatus.deserialize(topic, value, headers),
        }
      case topics.paymentEvents:
        return {
          kind: 'payment-event',
          event: await deserializers.paymentEvents.deserialize(topic, value, headers),
        }
      case topics.stockEvents:
        return {
          kind: 'stock-event',
          event: await deserializers.stockEvents.deserialize(topic, value, headers),
        }
      case topics.products:
        return {
          kind: 'product',
          product: await deserializers.products.deserialize(topic, value, headers),
          version: topicPosition(record.partition, record.offset),
        }
      default:
        throw new ClickHouseError(
          CLICKHOUSE_ERROR_CODES.INVALID_OPTIONS,
          `commerce facts: no decoder for topic ${topic}`,
          { context: { table: topic } },
        )
    }
  }
}
