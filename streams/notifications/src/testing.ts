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
