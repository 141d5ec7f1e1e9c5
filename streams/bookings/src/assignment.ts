import {
  nameUuid,
  type BookingCommand,
  type Geofence,
  type Machine,
  type MachineId,
  type OrderDecided,
  type OrderId,
  type Product,
  type RequestBooking,
} from '@oxagry/avro'
import { chooseMachine, forRent, type BookingRecord, type Hold } from './booking.ts'
import { bookingEvent, orderCommand, type BookingsOutput } from './outputs.ts'

/** What the assignment task can look up: its stores and the global tables. */
export interface AssignmentContext {
  /** The command's record timestamp: every output carries it. */
  readonly at: number
  readonly machinesOfType: (type: Machine['machineType']) => readonly Machine[]
  readonly calendar: (machineId: MachineId) => readonly Hold[]
  readonly product: (productId: string) => Product | undefined
  readonly geofence: (geofenceId: string) => Geofence | undefined
}

/** The result of one command: the booking and calendars to store, what to forward, or why it was ignored. */
export interface AssignmentStep {
  readonly booking?: BookingRecord
  readonly calendars: ReadonlyMap<MachineId, readonly Hold[]>
  readonly outputs: readonly BookingsOutput[]
  readonly ignored?: string
}

const NOTHING = new Map<MachineId, readonly Hold[]>()
const ignore = (why: string): AssignmentStep => ({ calendars: NOTHING, outputs: [], ignored: why })

/**
 * The rental order's idempotency key. The orders application derives the order id from it (as for any
 * checkout), and the bookings application reads it back from the order events to route the order's
 * decision to the booking's task: `booking:<machineType>:<bookingId>`.
 */
export const rentalOrderKey = (booking: Pick<BookingRecord, 'machineType' | 'bookingId'>): string =>
  `booking:${booking.machineType}:${booking.bookingId}`

const RENTAL_ORDER_KEY =
  /^booking:([A-Z][A-Z_]*):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

/** The machine type and booking a rental order's idempotency key names, or undefined for other orders. */
export function parseRentalOrderKey(key: string): { machineType: string; bookingId: string } | undefined {
  const match = RENTAL_ORDER_KEY.exec(key)
  return match === null ? undefined : { machineType: match[1] as string, bookingId: match[2] as string }
}

/** A command applied to its booking (undefined when the booking is new). */
export function applyBookingCommand(
  before: BookingRecord | undefined,
  command: BookingCommand,
  ctx: AssignmentContext,
): AssignmentStep {
  const p = command.payload
  if ('dev.oxagry.bookings.RequestBooking' in p)
    return request(before, command, p['dev.oxagry.bookings.RequestBooking'], ctx)
  if (before === undefined) return ignore('a command for an unknown booking')
  if ('dev.oxagry.bookings.CancelBooking' in p)
    return cancel(before, p['dev.oxagry.bookings.CancelBooking'].note, ctx)
  return decided(before, p['dev.oxagry.bookings.OrderDecided'], ctx)
}

function request(
  before: BookingRecord | undefined,
  command: BookingCommand,
  r: RequestBooking,
  ctx: AssignmentContext,
): AssignmentStep {
  if (before !== undefined) return ignore('a booking requested again (a retry)')
  const booking: BookingRecord = {
    bookingId: command.bookingId,
    customerId: r.customerId,
    machineType: command.machineType,
    fieldId: r.fieldId,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    days: r.days,
    state: 'REJECTED',
    machineId: null,
    orderId: null,
  }
  const requested = bookingEvent(booking.bookingId, ctx.at, {
    'dev.oxagry.bookings.BookingRequested': {
      customerId: r.customerId,
      machineType: command.machineType,
      fieldId: r.fieldId,
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      days: r.days,
    },
  })
  const reject = (reason: 'NO_MACHINE_AVAILABLE' | 'INVALID_REQUEST', note: string): AssignmentStep => ({
    booking,
    calendars: NOTHING,
    outputs: [
      requested,
      bookingEvent(booking.bookingId, ctx.at, { 'dev.oxagry.bookings.BookingRejected': { reason, note } }),
    ],
  })
  const problem = requestProblem(booking, ctx)
  if (problem !== undefined) return reject('INVALID_REQUEST', problem)
  const field = ctx.geofence(booking.fieldId) as Geofence
  const rentable = ctx.machinesOfType(booking.machineType).filter(forRent)
  const priced = rentable.flatMap((machine) => {
    const product = ctx.product(machine.rentalProductId as string)
    return product?.active === true ? [{ machine, product }] : []
  })
  if (priced.length === 0) return reject('NO_MACHINE_AVAILABLE', `no ${booking.machineType} is for rent`)
  const machine = chooseMachine(
    priced.map((p) => p.machine),
    ctx.calendar,
    booking,
  )
  if (machine === undefined)
    return reject('NO_MACHINE_AVAILABLE', `every ${booking.machineType} is booked on some of those days`)
  const product = (priced.find((p) => p.machine === machine) as (typeof priced)[number]).product
  const orderKey = rentalOrderKey(booking)
  const orderId = nameUuid(`order:${booking.customerId}:${orderKey}`) as OrderId
  const assigned: BookingRecord = { ...booking, state: 'ASSIGNED', machineId: machine.machineId, orderId }
  const hold: Hold = { bookingId: booking.bookingId, startsAt: booking.startsAt, endsAt: booking.endsAt }
  const centre = centroid(field)
  return {
    booking: assigned,
    calendars: new Map([[machine.machineId, [...ctx.calendar(machine.machineId), hold]]]),
    outputs: [
      requested,
      bookingEvent(booking.bookingId, ctx.at, {
        'dev.oxagry.bookings.MachineAssigned': {
          machineId: machine.machineId,
          orderId,
          amountMinor: product.unitPriceMinor * booking.days,
          currency: product.currency,
        },
      }),
      {
        kind: 'order-event',
        key: orderId,
        value: {
          eventId: nameUuid(`booking-order:${orderId}:placed`),
          orderId,
          occurredAt: ctx.at,
          payload: {
            'dev.oxagry.orders.OrderPlaced': {
              customerId: booking.customerId,
              items: [
                {
                  productId: product.productId,
                  warehouseId: machine.depotWarehouseId as NonNullable<Machine['depotWarehouseId']>,
                  quantity: booking.days,
                  unitPriceMinor: product.unitPriceMinor,
                },
              ],
              currency: product.currency,
              deliveryLocation: {
                latitude: centre.latitude,
                longitude: centre.longitude,
                address: field.name,
              },
              idempotencyKey: orderKey,
            },
          },
        },
      },
    ],
  }
}

/** What is wrong with a request, for its rejection note; undefined when it can be booked. */
function requestProblem(booking: BookingRecord, ctx: AssignmentContext): string | undefined {
  if (!(booking.endsAt > booking.startsAt)) return 'the booking ends before it starts'
  if (!Number.isInteger(booking.days) || booking.days < 1) return 'a booking is for one day or more'
  const field = ctx.geofence(booking.fieldId)
  if (field === undefined || !field.active) return `no field ${booking.fieldId}`
  if (field.kind !== 'FIELD') return `${booking.fieldId} is a ${field.kind.toLowerCase()}, not a field`
  return undefined
}

/** The centre of a field's vertices: where its rental is "delivered". */
function centroid(field: Geofence): { latitude: number; longitude: number } {
  const n = field.boundary.length
  const sum = field.boundary.reduce(
    (acc, p) => ({ latitude: acc.latitude + p.latitude, longitude: acc.longitude + p.longitude }),
    { latitude: 0, longitude: 0 },
  )
  return { latitude: sum.latitude / n, longitude: sum.longitude / n }
}

/** The machine's calendar without the booking's hold. */
function release(booking: BookingRecord, ctx: AssignmentContext): ReadonlyMap<MachineId, readonly Hold[]> {
  if (booking.machineId === null) return NOTHING
  const calendar = ctx.calendar(booking.machineId).filter((h) => h.bookingId !== booking.bookingId)
  return new Map([[booking.machineId, calendar]])
}

function cancel(booking: BookingRecord, note: string | null, ctx: AssignmentContext): AssignmentStep {
  if (booking.state === 'REJECTED' || booking.state === 'CANCELLED')
    return ignore(`a cancellation of a booking already ${booking.state.toLowerCase()}`)
  const outputs: BookingsOutput[] = [
    bookingEvent(booking.bookingId, ctx.at, {
      'dev.oxagry.bookings.BookingCancelled': { machineId: booking.machineId, note },
    }),
  ]
  if (booking.orderId !== null)
    outputs.push(
      orderCommand(booking.orderId, ctx.at, {
        'dev.oxagry.orders.CancelOrder': { note: note ?? 'the booking was cancelled' },
      }),
    )
  if (booking.state === 'CONFIRMED' && booking.machineId !== null) outputs.push(released(booking))
  return { booking: { ...booking, state: 'CANCELLED' }, calendars: release(booking, ctx), outputs }
}

function decided(booking: BookingRecord, d: OrderDecided, ctx: AssignmentContext): AssignmentStep {
  if (booking.orderId !== d.orderId) return ignore("a decision about another order than the booking's")
  if (booking.state === 'ASSIGNED' && d.confirmed) {
    const machineId = booking.machineId as MachineId
    return {
      booking: { ...booking, state: 'CONFIRMED' },
      calendars: NOTHING,
      outputs: [
        bookingEvent(booking.bookingId, ctx.at, { 'dev.oxagry.bookings.BookingConfirmed': { machineId } }),
        {
          kind: 'schedule',
          key: machineId,
          value: {
            kind: 'booked',
            booking: {
              bookingId: booking.bookingId,
              orderId: d.orderId,
              fieldId: booking.fieldId,
              startsAt: booking.startsAt,
              endsAt: booking.endsAt,
            },
          },
        },
      ],
    }
  }
  if (booking.state === 'ASSIGNED')
    return {
      booking: { ...booking, state: 'REJECTED' },
      calendars: release(booking, ctx),
      outputs: [
        bookingEvent(booking.bookingId, ctx.at, {
          'dev.oxagry.bookings.BookingRejected': { reason: 'ORDER_CANCELLED', note: d.note },
        }),
      ],
    }
  if (booking.state === 'CONFIRMED' && !d.confirmed)
    return {
      booking: { ...booking, state: 'CANCELLED' },
      calendars: release(booking, ctx),
      outputs: [
        bookingEvent(booking.bookingId, ctx.at, {
          'dev.oxagry.bookings.BookingCancelled': {
            machineId: booking.machineId,
            note: d.note ?? 'its order was cancelled',
          },
        }),
        released(booking),
      ],
    }
  return ignore(`an order decision for a booking already ${booking.state.toLowerCase()}`)
}

const released = (booking: BookingRecord): BookingsOutput => ({
  kind: 'schedule',
  key: booking.machineId as string,
  value: { kind: 'released', bookingId: booking.bookingId },
})
