import { Contracts, createAvroSerde, type BookingEvent, type Geofence, type Machine } from '@oxagry/avro'
import {
  createBookingsSerdes,
  DEFAULT_BOOKINGS_TIMING,
  startBookings,
  type BookingsTopics,
} from '@oxagry/bookings'
import { BookingsView } from '@oxagry/commerce-api'
import { MachineFacts } from '../machine-facts.ts'
import { startBookingTraffic } from './bookings-traffic.ts'
import { simulatedMachines } from '@oxagry/simulator'
import { machineKey, TOPICS, type TopicSpec } from '@oxagry/topics'
import {
  applicationStreams,
  Closers,
  type DomainModule,
  type LiveView,
  type PlatformContext,
  type RunningPart,
  type StartedModule,
} from '../module.ts'

/** The catalogue topics the bookings domain owns; it also reads the commerce and fleet topics. */
export const BOOKINGS = {
  bookingCommands: TOPICS.bookingCommands,
  bookingEvents: TOPICS.bookingEvents,
  machines: TOPICS.machines,
  bookingsDeadLetters: TOPICS.bookingsDeadLetters,
} as const satisfies Record<string, TopicSpec>

/** The bookings application's topics on a platform (`name` applies its prefix). */
export function bookingsTopicsOf(name: (spec: TopicSpec) => string): BookingsTopics {
  return {
    bookingCommands: name(TOPICS.bookingCommands),
    bookingEvents: name(TOPICS.bookingEvents),
    orderEvents: name(TOPICS.orderEvents),
    orderCommands: name(TOPICS.orderCommands),
    machines: name(TOPICS.machines),
    products: name(TOPICS.products),
    geofences: name(TOPICS.geofences),
    machinePositions: name(TOPICS.machinePositions),
    deadLetters: name(TOPICS.bookingsDeadLetters),
  }
}

/**
 * Machinery bookings: the bookings application (a free machine per request, paid as a rental order
 * through the commerce flow, followed on the day from the machine positions), the bookings view the
 * commerce API serves, and with the simulator on, the simulated fleet's registry.
 */
export function bookingsModule(): DomainModule {
  return {
    name: 'bookings',
    topics: Object.values(BOOKINGS),
    async start(context: PlatformContext): Promise<StartedModule> {
      const { config, backend, registry, logger } = context
      const closers = new Closers(logger)
      const topics = bookingsTopicsOf(context.topic)
      if (!context.runs('bookings') && !context.runs('api'))
        return { applications: {}, sinks: {}, routes: [], close: () => closers.closeAll() }
      try {
        const serdes = await createBookingsSerdes(registry, topics, { autoRegister: true })
        if (context.simulating)
          await publishFleetRegistry(context, topics.machines, config.simulator.machines)
        const applications: Record<string, RunningPart> = {}
        if (context.runs('bookings')) {
          const bookings = await startBookings({
            backend,
            serdes,
            topics,
            applicationId: context.group('bookings'),
            processingGuarantee: config.processingGuarantee,
            // The schedule repartition meets the positions: it takes the positions topic's partitions.
            schedulePartitions: TOPICS.machinePositions.partitions,
            streams: applicationStreams(context, 'bookings', { commitIntervalMs: 1000 }),
          })
          closers.add(() => bookings.close({ timeoutMs: 20_000 }))
          applications.bookings = bookings.streams
        }
        if (!context.runs('api'))
          return { applications, sinks: {}, routes: [], close: () => closers.closeAll() }
        const view = new BookingsView()
        const machines = new MachineFacts()
        const follows: LiveView[] = [
          await context.follow(topics.bookingEvents, async (bytes) =>
            view.apply(
              (await serdes.bookingEvent.deserialize(topics.bookingEvents, bytes, {})) as BookingEvent,
            ),
          ),
          await context.follow(topics.machines, async (bytes) =>
            machines.machine((await serdes.machine.deserialize(topics.machines, bytes, {})) as Machine),
          ),
          await context.follow(topics.geofences, async (bytes) =>
            machines.geofence((await serdes.geofence.deserialize(topics.geofences, bytes, {})) as Geofence),
          ),
        ]
        for (const following of follows) closers.add(() => following.stop())
        return {
          applications,
          sinks: {},
          routes: [
            {
              kind: 'bookings-view',
              bookings: view,
              annotate: (position) =>
                machines.annotate(position, view.machineBooking(position.machineId, Date.now())),
            },
          ],
          ...(context.simulating
            ? {
                startTraffic: () =>
                  startBookingTraffic(context, {
                    view,
                    facts: machines,
                    topic: topics.bookingCommands,
                    serde: serdes.bookingCommand,
                    lateGraceMs: DEFAULT_BOOKINGS_TIMING.lateGraceMs,
                  }),
              }
            : {}),
          notReady: () => (follows.every((f) => f.loaded()) ? undefined : 'the bookings view is loading'),
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}

/** The simulated fleet's registry: every simulated machine with its type, for rent. */
async function publishFleetRegistry(context: PlatformContext, topic: string, count: number): Promise<void> {
  const serde = await createAvroSerde({
    registry: context.registry,
    contract: Contracts.Machine,
    topics: [topic],
    autoRegister: true,
  })
  const producer = await context.backend.producer({ clientId: 'oxagry-fleet-registry' })
  try {
    const now = Date.now()
    const machines: Machine[] = simulatedMachines(count, now)
    await producer.send(
      await Promise.all(
        machines.map(async (m) => ({
          topic,
          key: Buffer.from(machineKey(m.machineId)),
          value: await serde.serialize(topic, m, {}),
          timestamp: now,
          headers: {},
        })),
      ),
    )
  } finally {
    await producer.close()
  }
  context.describe('fleetRegistry', `${count} simulated machines for rent on ${topic}`)
}
