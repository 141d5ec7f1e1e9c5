import type {
  BookingCommand,
  Geofence,
  Machine,
  MachineId,
  MachinePosition,
  OrderEvent,
  Product,
} from '@oxagry/avro'
import {
  PunctuationType,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from '@oxagry/streams'
import { applyBookingCommand } from './assignment.ts'
import type { BookingRecord, Hold, ScheduleChange } from './booking.ts'
import type { ResolvedBookingsOptions } from './options.ts'
import { applyOrderEvent, type RentalOrder } from './outcomes.ts'
import type { BookingsOutput } from './outputs.ts'
import { applyClock, applyPosition, applyScheduleChange, type MachineSchedule } from './progress.ts'
import { BOOKINGS_STORES } from './stores.ts'

/** Counts booking steps and ignored inputs; the service wires them to prom-client. */
export interface BookingsCounters {
  /** A booking event written, by its step (`MachineAssigned`, `BookingRejected`...). */
  step(step: string): void
  ignored(why: string): void
}

export const NO_COUNTERS: BookingsCounters = { step: () => {}, ignored: () => {} }

/** A progress task's input: a booking confirmed or released for a machine, or a position of it. */
export type ProgressInput =
  | { readonly kind: 'schedule'; readonly value: ScheduleChange }
  | { readonly kind: 'position'; readonly value: MachinePosition }

function forwardAll(
  ctx: ProcessorContext<string, BookingsOutput>,
  counters: BookingsCounters,
  outputs: readonly BookingsOutput[],
  timestamp: number,
): void {
  for (const out of outputs) {
    if (out.kind === 'event') counters.step(Object.keys(out.value.payload)[0]?.split('.').pop() ?? '')
    ctx.forward({ key: out.key, value: out, timestamp, headers: {} })
  }
}

const dropped = (ctx: ProcessorContext<string, BookingsOutput>, counters: BookingsCounters, why: string) => {
  counters.ignored(why)
  ctx.recordDropped(why)
}

/**
 * The assignment processor, one task per machine-type partition: every booking of a type and every
 * calendar of that type's machines live on one task, so "free" is decided by one writer in order.
 */
export function assignmentProcessor(
  counters: BookingsCounters,
): () => Processor<string, BookingCommand | null, string, BookingsOutput> {
  return () => {
    let ctx: ProcessorContext<string, BookingsOutput>
    let bookings: KeyValueStore<string, BookingRecord>
    let calendars: KeyValueStore<string, Hold[]>
    let machines: KeyValueStore<string, Machine>
    let products: KeyValueStore<string, Product>
    let geofences: KeyValueStore<string, Geofence>
    return {
      init(c) {
        ctx = c
        bookings = c.getStateStore(BOOKINGS_STORES.bookings)
        calendars = c.getStateStore(BOOKINGS_STORES.calendars)
        machines = c.getStateStore(BOOKINGS_STORES.machines)
        products = c.getStateStore(BOOKINGS_STORES.products)
        geofences = c.getStateStore(BOOKINGS_STORES.geofences)
      },
      process(record: StreamRecord<string, BookingCommand | null>) {
        const command = record.value
        if (command === null) return dropped(ctx, counters, 'a null booking command (tombstone)')
        if (command.machineType !== record.key)
          return dropped(ctx, counters, `a ${command.machineType} booking command keyed ${record.key}`)
        const step = applyBookingCommand(bookings.get(command.bookingId), command, {
          at: record.timestamp,
          machinesOfType: (type) => {
            const found: Machine[] = []
            for (const { value } of machines.all()) if (value.machineType === type) found.push(value)
            return found
          },
          calendar: (machineId: MachineId) => calendars.get(machineId) ?? [],
          product: (id) => products.get(id),
          geofence: (id) => geofences.get(id),
        })
        if (step.ignored !== undefined)
          dropped(ctx, counters, `${step.ignored} (booking ${command.bookingId})`)
        if (step.booking !== undefined) bookings.put(step.booking.bookingId, step.booking)
        for (const [machineId, calendar] of step.calendars)
          if (calendar.length === 0) calendars.delete(machineId)
          else calendars.put(machineId, [...calendar])
        forwardAll(ctx, counters, step.outputs, record.timestamp)
      },
    }
  }
}

/** The outcome processor, one task per order partition: rental orders' decisions back to their bookings. */
export function outcomeProcessor(
  counters: BookingsCounters,
): () => Processor<string, OrderEvent | null, string, BookingsOutput> {
  return () => {
    let ctx: ProcessorContext<string, BookingsOutput>
    let orders: KeyValueStore<string, RentalOrder>
    return {
      init(c) {
        ctx = c
        orders = c.getStateStore(BOOKINGS_STORES.orders)
      },
      process(record: StreamRecord<string, OrderEvent | null>) {
        if (record.value === null) return
        const step = applyOrderEvent(orders.get(record.key), record.value, record.timestamp)
        if (step.rental === null) orders.delete(record.key)
        else if (step.rental !== undefined) orders.put(record.key, step.rental)
        forwardAll(ctx, counters, step.outputs, record.timestamp)
      },
    }
  }
}

/**
 * The progress processor, one task per machine partition: a machine's confirmed bookings meet its
 * positions. Late machines and ended bookings are looked for on the wall clock.
 */
export function progressProcessor(
  options: ResolvedBookingsOptions,
  counters: BookingsCounters,
): () => Processor<string, ProgressInput | null, string, BookingsOutput> {
  return () => {
    let ctx: ProcessorContext<string, BookingsOutput>
    let schedules: KeyValueStore<string, MachineSchedule>
    const save = (machineId: string, schedule: MachineSchedule | null) => {
      if (schedule === null) schedules.delete(machineId)
      else schedules.put(machineId, schedule)
    }
    return {
      init(c) {
        ctx = c
        schedules = c.getStateStore(BOOKINGS_STORES.schedules)
        c.schedule(options.timing.punctuateEveryMs, PunctuationType.WALL_CLOCK_TIME, (now) => {
          const due: [string, MachineSchedule][] = []
          for (const { key, value } of schedules.all()) due.push([key, value])
          for (const [machineId, schedule] of due) {
            const step = applyClock(schedule, now, options.timing)
            if (step.outputs.length === 0) continue
            save(machineId, step.schedule)
            forwardAll(ctx, counters, step.outputs, now)
          }
        })
      },
      process(record: StreamRecord<string, ProgressInput | null>) {
        const input = record.value
        if (input === null) return
        const machineId = record.key as MachineId
        const schedule = schedules.get(machineId)
        if (input.kind === 'schedule') {
          save(machineId, applyScheduleChange(schedule, machineId, input.value))
          return
        }
        // Most machines have no booking: their positions cost one lookup and nothing else.
        if (schedule === undefined) return
        const step = applyPosition(schedule, input.value, options.timing)
        save(machineId, step.schedule)
        forwardAll(ctx, counters, step.outputs, record.timestamp)
      },
    }
  }
}
