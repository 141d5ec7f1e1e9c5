import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { DEFAULT_BOOKINGS_TOPICS, type BookingsSerdes, type BookingsTopics } from './options.ts'

/** Avro serdes for every topic the application touches, each warmed on its topic. */
export async function createBookingsSerdes(
  registry: SchemaRegistryClient,
  topics: BookingsTopics = DEFAULT_BOOKINGS_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<BookingsSerdes> {
  const warm = { registry, autoRegister: options.autoRegister ?? false }
  const [
    bookingCommand,
    bookingEvent,
    orderEvent,
    orderCommand,
    machine,
    product,
    geofence,
    machinePosition,
    deadLetter,
  ] = await Promise.all([
    createAvroSerde({ ...warm, contract: Contracts.BookingCommand, topics: [topics.bookingCommands] }),
    createAvroSerde({ ...warm, contract: Contracts.BookingEvent, topics: [topics.bookingEvents] }),
    createAvroSerde({ ...warm, contract: Contracts.OrderEvent, topics: [topics.orderEvents] }),
    createAvroSerde({ ...warm, contract: Contracts.OrderCommand, topics: [topics.orderCommands] }),
    createAvroSerde({ ...warm, contract: Contracts.Machine, topics: [topics.machines] }),
    createAvroSerde({ ...warm, contract: Contracts.Product, topics: [topics.products] }),
    createAvroSerde({ ...warm, contract: Contracts.Geofence, topics: [topics.geofences] }),
    createAvroSerde({ ...warm, contract: Contracts.MachinePosition, topics: [topics.machinePositions] }),
    createAvroSerde({ ...warm, contract: Contracts.DeadLetter, topics: [topics.deadLetters] }),
  ])
  return {
    bookingCommand,
    bookingEvent,
    orderEvent,
    orderCommand,
    machine,
    product,
    geofence,
    machinePosition,
    deadLetter,
  }
}
