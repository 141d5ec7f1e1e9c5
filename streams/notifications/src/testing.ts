import {
  nameUuid,
  type BookingEvent,
  type BookingId,
  type CustomerId,
  type GeofenceId,
  type MachineId,
  type NotificationPreference,
  type OrderEvent,
  type OrderId,
  type ProductId,
  type StockEvent,
  type WarehouseId,
  type CurrencyCode,
} from '@oxagry/avro'
import { readTopic, type KafkaBackend } from '@oxagry/kafka'
import type { NotificationsTopics } from './options.ts'

// Events and preferences as their producers write them, for the topology, worker and platform tests.

export function prefixedNotificationsTopics(prefix: string): NotificationsTopics {
  return {
    orderEvents: `${prefix}.order-events`,
    stockEvents: `${prefix}.stock-events`,
    bookingEvents: `${prefix}.booking-events`,
    preferences: `${prefix}.preferences`,
    outbox: `${prefix}.outbox`,
    deliveries: `${prefix}.deliveries`,
    deadLetters: `${prefix}.dead-letters`,
  }
}

/** Preferences with every channel on and an address for each, unless overridden. */
export function preference(
  recipientId: string,
  over: Partial<NotificationPreference> = {},
): NotificationPreference {
  return {
    recipientId,
    updatedAt: 0,
    channels: ['EMAIL', 'SMS', 'PUSH'],
    email: `${recipientId.replace(/[^A-Za-z0-9-]/g, '-')}@example.invalid`,
    phone: '+4917600000000',
    pushDevice: `device-${recipientId}`,
    quietHours: null,
    ...over,
  }
}

export function orderEvent(
  orderId: string,
  step: 'placed' | 'confirmed' | 'cancelled' | 'completed',
  at: number,
  customerId = 'farm-1',
): OrderEvent {
  const payload: OrderEvent['payload'] =
    step === 'placed'
      ? {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: customerId as CustomerId,
            items: [
              {
                productId: 'SEED-WHEAT-25KG' as ProductId,
                warehouseId: 'wh-north' as WarehouseId,
                quantity: 1,
                unitPriceMinor: 3450,
              },
            ],
            currency: 'EUR' as CurrencyCode,
            deliveryLocation: { latitude: 52, longitude: 9, address: null },
            idempotencyKey: `key-${orderId}`,
          },
        }
      : step === 'confirmed'
        ? { 'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null } }
        : step === 'cancelled'
          ? { 'dev.oxagry.orders.OrderCancelled': { reason: 'OUT_OF_STOCK', note: 'SEED-WHEAT-25KG' } }
          : { 'dev.oxagry.orders.OrderCompleted': { deliveredAt: at } }
  return {
    eventId: nameUuid(`order-event:${orderId}:${step}`),
    orderId: orderId as OrderId,
    occurredAt: at,
    payload,
  }
}

export type BookingStep = 'requested' | 'confirmed' | 'en-route' | 'arrived' | 'late' | 'cancelled'

export function bookingEvent(
  bookingId: string,
  step: BookingStep,
  at: number,
  customerId = 'farm-1',
): BookingEvent {
  const machineId = 'MF-8S-00042' as MachineId
  const where = { machineId, latitude: 52.1, longitude: 9.7 }
  const payload: BookingEvent['payload'] =
    step === 'requested'
      ? {
          'dev.oxagry.bookings.BookingRequested': {
            customerId: customerId as CustomerId,
            machineType: 'TRACTOR',
            fieldId: 'gf-north-field' as GeofenceId,
            startsAt: at + 86_400_000,
            endsAt: at + 2 * 86_400_000,
            days: 1,
          },
        }
      : step === 'confirmed'
        ? { 'dev.oxagry.bookings.BookingConfirmed': { machineId } }
        : step === 'en-route'
          ? { 'dev.oxagry.bookings.MachineEnRoute': where }
          : step === 'arrived'
            ? { 'dev.oxagry.bookings.MachineArrived': where }
            : step === 'late'
              ? {
                  'dev.oxagry.bookings.MachineLate': {
                    machineId,
                    dueAt: at - 1_800_000,
                    latitude: null,
                    longitude: null,
                  },
                }
              : { 'dev.oxagry.bookings.BookingCancelled': { machineId, note: null } }
  return {
    eventId: nameUuid(`booking-event:${bookingId}:${step}:${at}`),
    bookingId: bookingId as BookingId,
    occurredAt: at,
    payload,
  }
}

export function lowStock(productId: string, warehouseId: string, at: number, available = 3): StockEvent {
  return {
    eventId: nameUuid(`stock-event:${productId}|${warehouseId}:${at}`),
    productId: productId as ProductId,
    warehouseId: warehouseId as WarehouseId,
    occurredAt: at,
    payload: { 'dev.oxagry.inventory.LowStock': { available, threshold: 10 } },
  }
}

/** Creates the topics on a backend (the memory broker in tests). */
export async function createNotificationsTopics(
  backend: KafkaBackend,
  topics: NotificationsTopics,
  partitions = 3,
): Promise<void> {
  const admin = await backend.admin()
  try {
    await admin.createTopics(Object.values(topics).map((name) => ({ name, partitions, config: {} })))
  } finally {
    await admin.close()
  }
}

/** Writes records as a plain producer: values serialized with the serde, or raw bytes as they are. */
export async function produce<V>(
  backend: KafkaBackend,
  topic: string,
  serde: { serialize(topic: string, value: V, headers: Record<string, Buffer>): Buffer | Promise<Buffer> },
  records: readonly { key: string; value: V | Buffer; timestamp?: number }[],
): Promise<void> {
  const producer = await backend.producer({ clientId: `send-${topic}` })
  try {
    const out = []
    for (const r of records)
      out.push({
        topic,
        key: Buffer.from(r.key),
        value: Buffer.isBuffer(r.value) ? r.value : await serde.serialize(topic, r.value, {}),
        timestamp: r.timestamp ?? Date.now(),
        headers: {},
      })
    await producer.send(out)
  } finally {
    await producer.close()
  }
}

/** The topic's committed records decoded, with their keys. */
export async function readDecoded<T>(
  backend: KafkaBackend,
  topic: string,
  serde: { deserialize(topic: string, data: Buffer, headers: Record<string, Buffer>): T | Promise<T> },
): Promise<{ key: string; value: T }[]> {
  const out: { key: string; value: T }[] = []
  for (const r of await readTopic(backend, topic))
    if (r.value !== null)
      out.push({ key: r.key?.toString() ?? '', value: await serde.deserialize(topic, r.value, r.headers) })
  return out
}
