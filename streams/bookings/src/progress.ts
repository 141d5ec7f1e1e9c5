import type { MachineId, MachinePosition } from '@oxagry/avro'
import type { ScheduleChange, ScheduledBooking } from './booking.ts'
import type { BookingsTiming } from './options.ts'
import { bookingEvent, orderCommand, type BookingsOutput } from './outputs.ts'

/**
 * A confirmed booking's progress on the day. BOOKED: not started; EN_ROUTE: moving towards the field
 * on the day; ARRIVED: in the field; WORKING: moving inside it; DONE: over (then it leaves the schedule).
 */
export type Phase = 'BOOKED' | 'EN_ROUTE' | 'ARRIVED' | 'WORKING' | 'DONE'

export interface ScheduleEntry extends ScheduledBooking {
  readonly phase: Phase
  /** Whether the MachineLate alert was raised (once per booking). */
  readonly late: boolean
}

/** A machine's confirmed bookings and where it last was, on the task of its positions (JSON in a store). */
export interface MachineSchedule {
  readonly machineId: MachineId
  readonly bookings: readonly ScheduleEntry[]
  readonly last: { readonly latitude: number; readonly longitude: number; readonly at: number } | null
}

export interface ProgressStep {
  /** The schedule to store; null when it holds no booking any more (the key is deleted). */
  readonly schedule: MachineSchedule | null
  readonly outputs: readonly BookingsOutput[]
}

const DAY = 86_400_000
/** Moving, as the read model says it: 1 km/h or more. */
const MOVING_KMH = 1

const stored = (machineId: MachineId, bookings: readonly ScheduleEntry[], last: MachineSchedule['last']) =>
  bookings.length === 0 ? null : { machineId, bookings, last }

/** A booking confirmed or released by the assignment task. */
export function applyScheduleChange(
  schedule: MachineSchedule | undefined,
  machineId: MachineId,
  change: ScheduleChange,
): MachineSchedule | null {
  const bookings = schedule?.bookings ?? []
  const last = schedule?.last ?? null
  if (change.kind === 'released')
    return stored(
      machineId,
      bookings.filter((b) => b.bookingId !== change.bookingId),
      last,
    )
  if (bookings.some((b) => b.bookingId === change.booking.bookingId)) return schedule ?? null
  const added = [...bookings, { ...change.booking, phase: 'BOOKED' as const, late: false }]
  return stored(
    machineId,
    added.sort((a, b) => a.startsAt - b.startsAt),
    last,
  )
}

/**
 * A position of a machine with bookings. The booking it concerns is the earliest one not done whose
 * day it is (from `enRouteLeadMs` before its start to its end). The field test uses the geofences
 * tracking found the position in, the same ones its geofence transitions come from.
 */
export function applyPosition(
  schedule: MachineSchedule,
  position: MachinePosition,
  timing: BookingsTiming,
): ProgressStep {
  const at = position.eventTime
  const last = { latitude: position.latitude, longitude: position.longitude, at }
  const index = schedule.bookings.findIndex(
    (b) => b.phase !== 'DONE' && at >= b.startsAt - timing.enRouteLeadMs && at < b.endsAt,
  )
  if (index === -1) return { schedule: { ...schedule, last }, outputs: [] }
  const entry = schedule.bookings[index] as ScheduleEntry
  const inField = position.geofenceIds.includes(entry.fieldId)
  const moving = position.speedKmh >= MOVING_KMH
  const where = { machineId: schedule.machineId, latitude: position.latitude, longitude: position.longitude }
  const outputs: BookingsOutput[] = []
  let phase = entry.phase
  if ((phase === 'BOOKED' || phase === 'EN_ROUTE') && inField) {
    phase = 'ARRIVED'
    outputs.push(bookingEvent(entry.bookingId, at, { 'dev.oxagry.bookings.MachineArrived': where }))
  } else if (phase === 'BOOKED' && moving) {
    phase = 'EN_ROUTE'
    outputs.push(bookingEvent(entry.bookingId, at, { 'dev.oxagry.bookings.MachineEnRoute': where }))
  }
  if (phase === 'ARRIVED' && inField && moving) {
    phase = 'WORKING'
    outputs.push(bookingEvent(entry.bookingId, at, { 'dev.oxagry.bookings.WorkStarted': where }))
  } else if (phase === 'WORKING' && !inField && at >= entry.endsAt - DAY) {
    // Leaving the field on the last booked day ends the work; on an earlier day it comes back tomorrow.
    phase = 'DONE'
    outputs.push(...done(entry, schedule.machineId, at))
  }
  const bookings = schedule.bookings
    .map((b, i) => (i === index ? { ...b, phase } : b))
    .filter((b) => b.phase !== 'DONE')
  return { schedule: stored(schedule.machineId, bookings, last), outputs }
}

/**
 * The wall clock over a machine's bookings: a machine not in the field by its start plus the grace
 * raises MachineLate (once); a booking whose days are over is done. Its order is reported delivered
 * (the payment is captured) only when the machine came to the field; a machine that never came
 * leaves the order confirmed and uncaptured, for an operator to refund or settle.
 */
export function applyClock(schedule: MachineSchedule, now: number, timing: BookingsTiming): ProgressStep {
  const outputs: BookingsOutput[] = []
  let changed = false
  const bookings = schedule.bookings.flatMap((b): ScheduleEntry[] => {
    if (now >= b.endsAt) {
      changed = true
      outputs.push(...done(b, schedule.machineId, now))
      return []
    }
    if (
      !b.late &&
      (b.phase === 'BOOKED' || b.phase === 'EN_ROUTE') &&
      now >= b.startsAt + timing.lateGraceMs
    ) {
      changed = true
      outputs.push(
        bookingEvent(b.bookingId, now, {
          'dev.oxagry.bookings.MachineLate': {
            machineId: schedule.machineId,
            dueAt: b.startsAt,
            latitude: schedule.last?.latitude ?? null,
            longitude: schedule.last?.longitude ?? null,
          },
        }),
      )
      return [{ ...b, late: true }]
    }
    return [b]
  })
  if (!changed) return { schedule, outputs: [] }
  return { schedule: stored(schedule.machineId, bookings, schedule.last), outputs }
}

function done(entry: ScheduleEntry, machineId: MachineId, at: number): BookingsOutput[] {
  const outputs = [bookingEvent(entry.bookingId, at, { 'dev.oxagry.bookings.BookingDone': { machineId } })]
  if (entry.phase === 'ARRIVED' || entry.phase === 'WORKING')
    outputs.push(orderCommand(entry.orderId, at, { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: at } }))
  return outputs
}
