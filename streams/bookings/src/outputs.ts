import {
  nameUuid,
  type BookingCommand,
  type BookingEvent,
  type BookingId,
  type OrderCommand,
  type OrderEvent,
  type OrderId,
} from '@oxagry/avro'
import type { ScheduleChange } from './booking.ts'

/** What the bookings processors forward, each with the key of the topic it goes to. */
export type BookingsOutput =
  | { readonly kind: 'event'; readonly key: string; readonly value: BookingEvent }
  | { readonly kind: 'order-event'; readonly key: string; readonly value: OrderEvent }
  | { readonly kind: 'order-command'; readonly key: string; readonly value: OrderCommand }
  | { readonly kind: 'command'; readonly key: string; readonly value: BookingCommand }
  | { readonly kind: 'schedule'; readonly key: string; readonly value: ScheduleChange }

/** The value of one kind of output. */
export type OutputValue<K extends BookingsOutput['kind']> = {
  [O in BookingsOutput as O['kind']]: O['value']
}[K]

/**
 * A booking step as an event. Each step happens at most once per booking, so its id is derived from
 * the booking and the step: a step written again after a crash is the same event.
 */
export function bookingEvent(
  bookingId: BookingId,
  occurredAt: number,
  payload: BookingEvent['payload'],
): BookingsOutput {
  const step = Object.keys(payload)[0] as string
  return {
    kind: 'event',
    key: bookingId,
    value: {
      eventId: nameUuid(`booking-step:${bookingId}:${step}`),
      bookingId,
      occurredAt,
      payload,
    },
  }
}

/** A command to the orders application about a booking's order. */
export function orderCommand(
  orderId: OrderId,
  occurredAt: number,
  payload: OrderCommand['payload'],
): BookingsOutput {
  const kind = Object.keys(payload)[0] as string
  return {
    kind: 'order-command',
    key: orderId,
    value: { commandId: nameUuid(`booking-order-command:${orderId}:${kind}`), orderId, occurredAt, payload },
  }
}
