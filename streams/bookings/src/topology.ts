import type { BookingCommand, Geofence, Machine, MachinePosition, OrderEvent, Product } from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import { Stores, StreamsBuilder, type KStream, type Topology } from '@oxagry/streams'
import type { BookingRecord, Hold, ScheduleChange } from './booking.ts'
import { resolveBookingsOptions, type BookingsOptions } from './options.ts'
import type { RentalOrder } from './outcomes.ts'
import type { BookingsOutput, OutputValue } from './outputs.ts'
import {
  assignmentProcessor,
  NO_COUNTERS,
  outcomeProcessor,
  progressProcessor,
  type BookingsCounters,
  type ProgressInput,
} from './processors.ts'
import type { MachineSchedule } from './progress.ts'
import { BOOKINGS_STORES } from './stores.ts'

const S = Serdes.String()

/** The internal topic that carries confirmed and released bookings to their machine's task. */
export const SCHEDULE_REPARTITION = 'bookings-schedule'

/**
 * The bookings topology, three sub-topologies:
 * - assignment: booking commands keyed by machine type, so one task holds every calendar of a type and
 *   assigns each request a free machine (no double booking, by construction); it places the rental's
 *   order in the commerce flow and cancels it with the booking;
 * - outcomes: the order events, keyed by order; a rental order's decision goes back to the assignment
 *   task as a command;
 * - progress: confirmed bookings repartitioned by machine meet the machine positions (co-partitioned),
 *   so the booking follows the machine on the day: en route, arrived, working, done, or late.
 * The fleet registry, the product catalogue and the geofences are global tables.
 */
export function buildBookingsTopology(
  input: BookingsOptions,
  counters: BookingsCounters = NO_COUNTERS,
): Topology {
  const options = resolveBookingsOptions(input)
  const { topics, serdes } = options
  const builder = new StreamsBuilder({ defaultKeySerde: S })
  builder.globalTable<string, Machine>(
    topics.machines,
    { keySerde: S, valueSerde: serdes.machine },
    { storeName: BOOKINGS_STORES.machines },
  )
  builder.globalTable<string, Product>(
    topics.products,
    { keySerde: S, valueSerde: serdes.product },
    { storeName: BOOKINGS_STORES.products },
  )
  builder.globalTable<string, Geofence>(
    topics.geofences,
    { keySerde: S, valueSerde: serdes.geofence },
    { storeName: BOOKINGS_STORES.geofences },
  )
  const store = <V>(name: string) =>
    builder.addStateStore(
      Stores.persistentKeyValueStore<string, V>(name, { keySerde: S, valueSerde: Serdes.Json<V>() }),
    )
  store<BookingRecord>(BOOKINGS_STORES.bookings)
  store<Hold[]>(BOOKINGS_STORES.calendars)
  store<RentalOrder>(BOOKINGS_STORES.orders)
  store<MachineSchedule>(BOOKINGS_STORES.schedules)

  const assigned = builder
    .stream<string, BookingCommand | null>(topics.bookingCommands, {
      keySerde: S,
      valueSerde: serdes.bookingCommand as never,
    })
    .process(assignmentProcessor(counters), BOOKINGS_STORES.bookings, BOOKINGS_STORES.calendars)
  const outcomes = builder
    .stream<string, OrderEvent | null>(topics.orderEvents, {
      keySerde: S,
      valueSerde: serdes.orderEvent as never,
    })
    .process(outcomeProcessor(counters), BOOKINGS_STORES.orders)

  const schedule = only(assigned, 'schedule')
    .repartition({
      name: SCHEDULE_REPARTITION,
      keySerde: S,
      valueSerde: Serdes.Json<ScheduleChange>(),
      numberOfPartitions: options.schedulePartitions,
    })
    .mapValues((value): ProgressInput | null => ({ kind: 'schedule', value }))
  const positions = builder
    .stream<string, MachinePosition | null>(topics.machinePositions, {
      keySerde: S,
      valueSerde: serdes.machinePosition as never,
    })
    .mapValues((value): ProgressInput | null => (value === null ? null : { kind: 'position', value }))
  const progress = schedule
    .merge(positions)
    .process(progressProcessor(options, counters), BOOKINGS_STORES.schedules)

  for (const outputs of [assigned, progress]) {
    only(outputs, 'event').to(topics.bookingEvents, { keySerde: S, valueSerde: serdes.bookingEvent })
    only(outputs, 'order-command').to(topics.orderCommands, { keySerde: S, valueSerde: serdes.orderCommand })
  }
  only(assigned, 'order-event').to(topics.orderEvents, { keySerde: S, valueSerde: serdes.orderEvent })
  only(outcomes, 'command').to(topics.bookingCommands, { keySerde: S, valueSerde: serdes.bookingCommand })
  return builder.build()
}

/** One kind of a processor's outputs, as its value. */
function only<K extends BookingsOutput['kind']>(
  outputs: KStream<string, BookingsOutput>,
  kind: K,
): KStream<string, OutputValue<K>> {
  return outputs.filter((_k, v) => v.kind === kind).mapValues((v) => v.value as OutputValue<K>)
}
