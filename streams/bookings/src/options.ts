import type {
  BookingCommand,
  BookingEvent,
  DeadLetter,
  Geofence,
  Machine,
  MachinePosition,
  OrderCommand,
  OrderEvent,
  Product,
} from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { BOOKINGS_ERROR_CODES, BookingsError } from './errors.ts'

/** The topics the application reads and writes. */
export interface BookingsTopics {
  /** Requests and cancellations in (from the API), order decisions in and out (its own). */
  readonly bookingCommands: string
  readonly bookingEvents: string
  /** The rental's OrderPlaced out; every order's decision in. */
  readonly orderEvents: string
  /** CancelOrder when a booking is cancelled, ReportDelivery when it is done. */
  readonly orderCommands: string
  /** Global tables: the fleet registry, the product catalogue (day rates), the fields. */
  readonly machines: string
  readonly products: string
  readonly geofences: string
  /** Where each machine is, from tracking: the booking's progress on the day. */
  readonly machinePositions: string
  readonly deadLetters: string
}

export const DEFAULT_BOOKINGS_TOPICS: BookingsTopics = Object.freeze({
  bookingCommands: TOPICS.bookingCommands.name,
  bookingEvents: TOPICS.bookingEvents.name,
  orderEvents: TOPICS.orderEvents.name,
  orderCommands: TOPICS.orderCommands.name,
  machines: TOPICS.machines.name,
  products: TOPICS.products.name,
  geofences: TOPICS.geofences.name,
  machinePositions: TOPICS.machinePositions.name,
  deadLetters: TOPICS.bookingsDeadLetters.name,
})

/** Value serdes per contract; keys are plain strings as the catalogue says. */
export interface BookingsSerdes {
  readonly bookingCommand: Serde<BookingCommand>
  readonly bookingEvent: Serde<BookingEvent>
  readonly orderEvent: Serde<OrderEvent>
  readonly orderCommand: Serde<OrderCommand>
  readonly machine: Serde<Machine>
  readonly product: Serde<Product>
  readonly geofence: Serde<Geofence>
  readonly machinePosition: Serde<MachinePosition>
  readonly deadLetter: Serde<DeadLetter>
}

/** When a booked machine counts as on its way, late or done, in milliseconds. */
export interface BookingsTiming {
  /** A machine moving this long before the booked start is on its way to the field. */
  readonly enRouteLeadMs: number
  /** Not in the field by the booked start plus this: a MachineLate alert. */
  readonly lateGraceMs: number
  /** How often (wall clock) late machines and ended bookings are looked for. */
  readonly punctuateEveryMs: number
}

export interface BookingsOptions {
  readonly serdes: BookingsSerdes
  /** Topic names; the catalogue's by default (tests give prefixed ones). */
  readonly topics?: Partial<BookingsTopics>
  readonly timing?: Partial<BookingsTiming>
  /**
   * Partitions of the internal topic carrying confirmed bookings to the machine's task: the machine
   * positions topic's, so each machine's bookings and positions meet on one task.
   */
  readonly schedulePartitions?: number
}

export interface ResolvedBookingsOptions {
  readonly serdes: BookingsSerdes
  readonly topics: BookingsTopics
  readonly timing: BookingsTiming
  readonly schedulePartitions: number
}

export const DEFAULT_BOOKINGS_TIMING: BookingsTiming = Object.freeze({
  enRouteLeadMs: 3 * 3_600_000,
  lateGraceMs: 30 * 60_000,
  punctuateEveryMs: 10_000,
})

const invalid = (path: string, message: string) =>
  new BookingsError(BOOKINGS_ERROR_CODES.INVALID_OPTIONS, message, { path })

/** Validated once, here: every later read trusts these values. */
export function resolveBookingsOptions(options: BookingsOptions): ResolvedBookingsOptions {
  const timing = { ...DEFAULT_BOOKINGS_TIMING, ...options.timing }
  for (const [name, value] of Object.entries(timing)) {
    if (!Number.isInteger(value) || value <= 0)
      throw invalid(
        `timing.${name}`,
        `timing.${name} must be a positive integer of milliseconds, got ${JSON.stringify(value)}`,
      )
  }
  const schedulePartitions = options.schedulePartitions ?? TOPICS.machinePositions.partitions
  if (!Number.isInteger(schedulePartitions) || schedulePartitions < 1)
    throw invalid(
      'schedulePartitions',
      `schedulePartitions must be a positive integer, got ${JSON.stringify(schedulePartitions)}`,
    )
  return {
    serdes: options.serdes,
    topics: { ...DEFAULT_BOOKINGS_TOPICS, ...options.topics },
    timing,
    schedulePartitions,
  }
}
