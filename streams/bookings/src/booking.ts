import type {
  BookingId,
  CustomerId,
  GeofenceId,
  Machine,
  MachineId,
  MachineType,
  OrderId,
} from '@oxagry/avro'

/**
 * Where a booking stands on its machine type's task. ASSIGNED: a machine is held and the rental's
 * order placed, waiting for its decision. CONFIRMED: paid, the machine is booked. REJECTED and
 * CANCELLED are final and hold no machine.
 */
export type BookingState = 'ASSIGNED' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED'

/** A span of time a machine is taken: [startsAt, endsAt), epoch milliseconds. */
export interface Span {
  readonly startsAt: number
  readonly endsAt: number
}

/** A booking as the assignment task keeps it (JSON in its store). */
export interface BookingRecord extends Span {
  readonly bookingId: BookingId
  readonly customerId: CustomerId
  readonly machineType: MachineType
  readonly fieldId: GeofenceId
  readonly days: number
  readonly state: BookingState
  readonly machineId: MachineId | null
  readonly orderId: OrderId | null
}

/** One booking's claim on a machine's calendar. */
export interface Hold extends Span {
  readonly bookingId: BookingId
}

export const overlaps = (a: Span, b: Span): boolean => a.startsAt < b.endsAt && b.startsAt < a.endsAt

/** Whether a machine's calendar leaves the span free. */
export const isFree = (calendar: readonly Hold[], span: Span): boolean =>
  calendar.every((hold) => !overlaps(hold, span))

/**
 * The machine a booking gets: among the machines of its type that are for rent, the first (by id)
 * whose calendar leaves the span free. By id, so the same request against the same calendars always
 * gets the same machine (a replay after a crash assigns what the first run did).
 */
export function chooseMachine(
  candidates: readonly Machine[],
  calendarOf: (machineId: MachineId) => readonly Hold[],
  span: Span,
): Machine | undefined {
  return [...candidates]
    .sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))
    .find((m) => isFree(calendarOf(m.machineId), span))
}

/** Whether the fleet registry offers a machine for rent: active, with a rental product and a depot. */
export const forRent = (machine: Machine): boolean =>
  machine.active && machine.rentalProductId !== null && machine.depotWarehouseId !== null

/** A confirmed booking as the machine's progress task follows it. */
export interface ScheduledBooking extends Span {
  readonly bookingId: BookingId
  readonly orderId: OrderId
  readonly fieldId: GeofenceId
}

/** What the assignment task tells the machine's progress task. */
export type ScheduleChange =
  | { readonly kind: 'booked'; readonly booking: ScheduledBooking }
  | { readonly kind: 'released'; readonly bookingId: BookingId }
