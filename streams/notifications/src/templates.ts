import type { NotificationChannel, NotificationTemplate } from '@oxagry/avro'

// Every message the platform sends, in one place: typed data in, plain text out. A template engine
// would add a dependency and a second language for what is string interpolation over known fields.

/** What each template needs, by template: what the stream application keeps from the events. */
export type TemplateData =
  | {
      readonly template: 'ORDER_CONFIRMED'
      readonly orderId: string
      readonly estimatedDeliveryAt: number | null
    }
  | {
      readonly template: 'ORDER_CANCELLED'
      readonly orderId: string
      readonly reason: string
      readonly note: string | null
    }
  | { readonly template: 'ORDER_DELIVERED'; readonly orderId: string; readonly deliveredAt: number }
  | {
      readonly template: 'BOOKING_CONFIRMED'
      readonly bookingId: string
      readonly machineId: string
      readonly machineType: string
      readonly fieldId: string
      readonly startsAt: number
      readonly endsAt: number
    }
  | {
      readonly template: 'MACHINE_EN_ROUTE'
      readonly bookingId: string
      readonly machineId: string
      readonly fieldId: string
    }
  | {
      readonly template: 'MACHINE_ARRIVED'
      readonly bookingId: string
      readonly machineId: string
      readonly fieldId: string
    }
  | {
      readonly template: 'MACHINE_LATE'
      readonly bookingId: string
      readonly machineId: string
      readonly fieldId: string
      readonly dueAt: number
    }
  | {
      readonly template: 'LOW_STOCK'
      readonly productId: string
      readonly warehouseId: string
      readonly available: number
      readonly threshold: number
    }

/** The templates this file renders; OTHER is the contract's symbol for templates added later. */
export type RenderedTemplate = Exclude<NotificationTemplate, 'OTHER'>

/** A rendered message: the e-mail subject or push title, and the text. */
export interface RenderedText {
  readonly subject: string
  readonly body: string
}

/** Short channels (SMS, push) get one line; e-mail gets the full text. */
const isShort = (channel: NotificationChannel): boolean => channel === 'SMS' || channel === 'PUSH'

/** The first block of a UUID: enough for a person to recognise an order in a message. */
const short = (id: string): string => id.split('-')[0] ?? id

const CANCELLATION_REASONS: Readonly<Record<string, string>> = {
  CUSTOMER_REQUEST: 'you asked us to cancel it',
  OUT_OF_STOCK: 'an item is out of stock',
  PAYMENT_FAILED: 'the payment did not go through',
  FRAUD_SUSPECTED: 'we could not accept the payment',
  INVALID_ORDER: 'the order could not be accepted as placed',
  TIMED_OUT: 'we could not check it in time',
}

/** A time as the recipient reads it: in their time zone when known, else UTC, to the minute. */
export function formatTime(at: number, timeZone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at)
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`
}

/** Renders one template for one channel; `timeZone` is the recipient's, for the times in the text. */
export function render(data: TemplateData, channel: NotificationChannel, timeZone?: string): RenderedText {
  const brief = isShort(channel)
  const time = (at: number) => formatTime(at, timeZone)
  switch (data.template) {
    case 'ORDER_CONFIRMED': {
      const when =
        data.estimatedDeliveryAt === null ? '' : ` Expected delivery: ${time(data.estimatedDeliveryAt)}.`
      return {
        subject: 'Your order is confirmed',
        body: brief
          ? `oxagry: order ${short(data.orderId)} is confirmed.${when}`
          : `Your order ${data.orderId} is confirmed: the goods are reserved and the payment authorised.${when}`,
      }
    }
    case 'ORDER_CANCELLED': {
      const why = CANCELLATION_REASONS[data.reason] ?? 'it could not go ahead'
      const note = data.note === null || brief ? '' : `\nNote: ${data.note}`
      return {
        subject: 'Your order was cancelled',
        body: brief
          ? `oxagry: order ${short(data.orderId)} was cancelled: ${why}.`
          : `Your order ${data.orderId} was cancelled: ${why}. Nothing is charged; any hold on your card is released.${note}`,
      }
    }
    case 'ORDER_DELIVERED':
      return {
        subject: 'Your order was delivered',
        body: brief
          ? `oxagry: order ${short(data.orderId)} was delivered.`
          : `Your order ${data.orderId} was delivered on ${time(data.deliveredAt)}. Thank you for buying with oxagry.`,
      }
    case 'BOOKING_CONFIRMED':
      return {
        subject: 'Your machine is booked',
        body: brief
          ? `oxagry: ${data.machineType.toLowerCase()} ${data.machineId} booked for ${data.fieldId} from ${time(data.startsAt)}.`
          : `Your booking ${data.bookingId} is confirmed: ${data.machineType.toLowerCase()} ${data.machineId} works ${data.fieldId} from ${time(data.startsAt)} until ${time(data.endsAt)}.`,
      }
    case 'MACHINE_EN_ROUTE':
      return {
        subject: 'Your machine is on its way',
        body: brief
          ? `oxagry: machine ${data.machineId} is on its way to ${data.fieldId}.`
          : `Machine ${data.machineId} of booking ${data.bookingId} is on its way to ${data.fieldId}. Follow it on the live map.`,
      }
    case 'MACHINE_ARRIVED':
      return {
        subject: 'Your machine has arrived',
        body: brief
          ? `oxagry: machine ${data.machineId} has arrived at ${data.fieldId}.`
          : `Machine ${data.machineId} of booking ${data.bookingId} has arrived at ${data.fieldId}.`,
      }
    case 'MACHINE_LATE':
      return {
        subject: 'Your machine is late',
        body: brief
          ? `oxagry: machine ${data.machineId} is late for ${data.fieldId} (due ${time(data.dueAt)}).`
          : `Machine ${data.machineId} of booking ${data.bookingId} was due at ${data.fieldId} at ${time(data.dueAt)} and is not there yet. We are on it and will tell you when it arrives.`,
      }
    case 'LOW_STOCK':
      return {
        subject: `Low stock: ${data.productId} at ${data.warehouseId}`,
        body: brief
          ? `oxagry: ${data.productId} at ${data.warehouseId} is low: ${data.available} left (threshold ${data.threshold}).`
          : `${data.productId} at warehouse ${data.warehouseId} fell below its threshold: ${data.available} units available, threshold ${data.threshold}. Reorder or move stock.`,
      }
  }
}
