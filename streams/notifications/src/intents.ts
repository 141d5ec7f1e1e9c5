import type { BookingEvent, OrderEvent, StockEvent } from '@oxagry/avro'
import { parseRentalOrderKey } from '@oxagry/bookings'
import type { TemplateData } from './templates.ts'

/**
 * Something to tell one recipient, before their preferences say how: what the event processors send
 * on, keyed by recipient, to the task that holds that recipient's quiet hours.
 */
export interface Intent {
  readonly recipientId: string
  /** The customer, when the recipient is one; null for operators. */
  readonly customerId: string | null
  readonly sourceEventId: string
  /** What it is about: `order:<id>`, `booking:<id>`, `stock:<productId>|<warehouseId>`. */
  readonly reference: string
  readonly occurredAt: number
  readonly data: TemplateData
}

/** An order's customer, from its OrderPlaced: the later events carry none. */
export interface OrderSubject {
  readonly customerId: string
  /** The order pays for a booking: its confirmation and delivery are told as the booking's steps. */
  readonly rental?: boolean
  readonly lastAt: number
}

/** A booking's customer and what the customer's messages name, from its BookingRequested. */
export interface BookingSubject {
  readonly customerId: string
  readonly machineType: string
  readonly fieldId: string
  readonly startsAt: number
  readonly endsAt: number
  /** Progress already told (`MACHINE_EN_ROUTE:<day>`...): a step reported again is not told twice. */
  readonly told: readonly string[]
  readonly lastAt: number
}

/** What an event processor does with one event: keep or forget its subject, and tell someone. */
export interface Outcome<S> {
  /** The subject to keep (undefined: leave as is; null: forget). */
  readonly subject?: S | null
  readonly intents: readonly Intent[]
  /** Why nothing was told, when an event that should have been could not be. */
  readonly dropped?: string
}

/** The step an order event tells its customer of, with what the message needs. */
export function orderOutcome(event: OrderEvent, held: OrderSubject | undefined): Outcome<OrderSubject> {
  const p = event.payload
  if ('dev.oxagry.orders.OrderPlaced' in p) {
    const placed = p['dev.oxagry.orders.OrderPlaced']
    // A second checkout with the same id keeps the first customer, as the orders application does.
    if (held !== undefined) return { subject: { ...held, lastAt: event.occurredAt }, intents: [] }
    const rental = parseRentalOrderKey(placed.idempotencyKey) !== undefined
    return {
      subject: { customerId: placed.customerId, ...(rental ? { rental } : {}), lastAt: event.occurredAt },
      intents: [],
    }
  }
  let data: TemplateData
  if ('dev.oxagry.orders.OrderConfirmed' in p)
    data = {
      template: 'ORDER_CONFIRMED',
      orderId: event.orderId,
      estimatedDeliveryAt: p['dev.oxagry.orders.OrderConfirmed'].estimatedDeliveryAt,
    }
  else if ('dev.oxagry.orders.OrderCancelled' in p) {
    const c = p['dev.oxagry.orders.OrderCancelled']
    data = { template: 'ORDER_CANCELLED', orderId: event.orderId, reason: c.reason, note: c.note }
  } else
    data = {
      template: 'ORDER_DELIVERED',
      orderId: event.orderId,
      deliveredAt: p['dev.oxagry.orders.OrderCompleted'].deliveredAt,
    }
  if (held === undefined)
    return { intents: [], dropped: `no OrderPlaced seen for order ${event.orderId}: its customer is unknown` }
  // A booking's rental order: BOOKING_CONFIRMED and the machine's progress tell the customer; only a
  // cancellation (the payment failed) is told as the order's, the booking having no message of its own.
  if (held.rental === true && data.template !== 'ORDER_CANCELLED')
    return { subject: { ...held, lastAt: event.occurredAt }, intents: [] }
  return {
    subject: { ...held, lastAt: event.occurredAt },
    intents: [
      {
        recipientId: held.customerId,
        customerId: held.customerId,
        sourceEventId: event.eventId,
        reference: `order:${event.orderId}`,
        occurredAt: event.occurredAt,
        data,
      },
    ],
  }
}

const DAY = 86_400_000

/** The step a booking event tells its customer of; progress steps once per booking, step and day. */
export function bookingOutcome(
  event: BookingEvent,
  held: BookingSubject | undefined,
): Outcome<BookingSubject> {
  const p = event.payload
  const bookingId = event.bookingId
  if ('dev.oxagry.bookings.BookingRequested' in p) {
    const r = p['dev.oxagry.bookings.BookingRequested']
    if (held !== undefined) return { intents: [] }
    return {
      subject: {
        customerId: r.customerId,
        machineType: r.machineType,
        fieldId: r.fieldId,
        startsAt: r.startsAt,
        endsAt: r.endsAt,
        told: [],
        lastAt: event.occurredAt,
      },
      intents: [],
    }
  }
  if (
    'dev.oxagry.bookings.BookingRejected' in p ||
    'dev.oxagry.bookings.BookingCancelled' in p ||
    'dev.oxagry.bookings.BookingDone' in p
  )
    return { subject: null, intents: [] }
  let data: TemplateData
  let step: string | undefined
  const day = Math.floor(event.occurredAt / DAY)
  if (held === undefined) {
    const told = 'dev.oxagry.bookings.MachineAssigned' in p || 'dev.oxagry.bookings.WorkStarted' in p
    return told
      ? { intents: [] }
      : { intents: [], dropped: `no BookingRequested seen for booking ${bookingId}` }
  }
  if ('dev.oxagry.bookings.BookingConfirmed' in p) {
    data = {
      template: 'BOOKING_CONFIRMED',
      bookingId,
      machineId: p['dev.oxagry.bookings.BookingConfirmed'].machineId,
      machineType: held.machineType,
      fieldId: held.fieldId,
      startsAt: held.startsAt,
      endsAt: held.endsAt,
    }
    step = 'BOOKING_CONFIRMED'
  } else if ('dev.oxagry.bookings.MachineEnRoute' in p) {
    const m = p['dev.oxagry.bookings.MachineEnRoute']
    data = { template: 'MACHINE_EN_ROUTE', bookingId, machineId: m.machineId, fieldId: held.fieldId }
    step = `MACHINE_EN_ROUTE:${day}`
  } else if ('dev.oxagry.bookings.MachineArrived' in p) {
    const m = p['dev.oxagry.bookings.MachineArrived']
    data = { template: 'MACHINE_ARRIVED', bookingId, machineId: m.machineId, fieldId: held.fieldId }
    step = `MACHINE_ARRIVED:${day}`
  } else if ('dev.oxagry.bookings.MachineLate' in p) {
    const m = p['dev.oxagry.bookings.MachineLate']
    data = {
      template: 'MACHINE_LATE',
      bookingId,
      machineId: m.machineId,
      fieldId: held.fieldId,
      dueAt: m.dueAt,
    }
    step = `MACHINE_LATE:${m.dueAt}`
  } else return { subject: { ...held, lastAt: event.occurredAt }, intents: [] }
  if (held.told.includes(step)) return { intents: [] }
  return {
    subject: { ...held, told: [...held.told, step], lastAt: event.occurredAt },
    intents: [
      {
        recipientId: held.customerId,
        customerId: held.customerId,
        sourceEventId: event.eventId,
        reference: `booking:${bookingId}`,
        occurredAt: event.occurredAt,
        data,
      },
    ],
  }
}

/** Low stock, told to every operator recipient; the other stock events tell no one. */
export function stockIntents(event: StockEvent, recipients: readonly string[]): Intent[] {
  const low = event.payload['dev.oxagry.inventory.LowStock' as keyof StockEvent['payload']] as
    { available: number; threshold: number } | undefined
  if (low === undefined) return []
  return recipients.map((recipientId) => ({
    recipientId,
    customerId: null,
    sourceEventId: event.eventId,
    reference: `stock:${event.productId}|${event.warehouseId}`,
    occurredAt: event.occurredAt,
    data: {
      template: 'LOW_STOCK',
      productId: event.productId,
      warehouseId: event.warehouseId,
      available: low.available,
      threshold: low.threshold,
    },
  }))
}
