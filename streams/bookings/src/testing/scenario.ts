import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  nameUuid,
  type BookingCommand,
  type BookingId,
  type CurrencyCode,
  type CustomerId,
  type Geofence,
  type GeofenceId,
  type Machine,
  type MachineId,
  type MachineType,
  type Product,
  type ProductId,
  type WarehouseId,
} from '@oxagry/avro'
import type { BackendProducer, KafkaBackend, Serde } from '@oxagry/kafka'
import type { BookingsSerdes, BookingsTopics } from '../options.ts'

// A small fleet and the booking traffic the crash test (and anyone on a broker) drives it with.

const DAY = 86_400_000

export const FIELD = 'gf-test-field' as GeofenceId
export const TYPES: readonly MachineType[] = ['TRACTOR', 'COMBINE', 'SPRAYER']

export function prefixedTopics(prefix: string): BookingsTopics {
  return {
    bookingCommands: `${prefix}.booking-commands`,
    bookingEvents: `${prefix}.booking-events`,
    orderEvents: `${prefix}.order-events`,
    orderCommands: `${prefix}.order-commands`,
    machines: `${prefix}.machines`,
    products: `${prefix}.products`,
    geofences: `${prefix}.geofences`,
    machinePositions: `${prefix}.machine-positions`,
    deadLetters: `${prefix}.dead-letters`,
  }
}

/**
 * The topics, `partitions` each; the booking events have one, so the audit reads them in write order.
 * The positions topic has `partitions` too: the schedule repartition must be given that count.
 */
export async function createTopics(backend: KafkaBackend, topics: BookingsTopics, partitions: number) {
  const admin = await backend.admin()
  try {
    await admin.createTopics(
      Object.values(topics).map((name) => ({
        name,
        partitions: name === topics.bookingEvents ? 1 : partitions,
        config: {},
      })),
    )
  } finally {
    await admin.close()
  }
}

/** A state directory of the run's own, removed after it. */
export function freshStateDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-bookings-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const product = (type: MachineType): Product => ({
  productId: `RENT-${type}-DAY` as ProductId,
  name: `${type.toLowerCase()} rental`,
  category: 'MACHINERY_RENTAL',
  unit: 'day',
  unitPriceMinor: 20_000,
  currency: 'EUR' as CurrencyCode,
  lowStockThreshold: null,
  active: true,
})

/** `perType` machines of each type, all for rent; their rental products; one field. */
export async function seedTables(
  backend: KafkaBackend,
  serdes: BookingsSerdes,
  topics: BookingsTopics,
  perType: number,
  at: number,
): Promise<void> {
  const producer = await backend.producer({ clientId: 'bookings-seed' })
  try {
    const machines: Machine[] = TYPES.flatMap((type) =>
      Array.from({ length: perType }, (_, i) => ({
        machineId: `${type}-${String(i + 1).padStart(3, '0')}` as MachineId,
        machineType: type,
        model: type,
        rentalProductId: `RENT-${type}-DAY` as ProductId,
        depotWarehouseId: 'wh-depot' as WarehouseId,
        active: true,
        updatedAt: at,
      })),
    )
    const field: Geofence = {
      geofenceId: FIELD,
      name: 'Test field',
      kind: 'FIELD',
      boundary: [
        { latitude: 52, longitude: 9 },
        { latitude: 52, longitude: 9.01 },
        { latitude: 52.01, longitude: 9.01 },
      ],
      active: true,
      updatedAt: at,
    }
    await sendValues(
      producer,
      topics.machines,
      serdes.machine,
      machines.map((m) => [m.machineId, m]),
    )
    await sendValues(
      producer,
      topics.products,
      serdes.product,
      TYPES.map((t) => [`RENT-${t}-DAY`, product(t)]),
    )
    await sendValues(producer, topics.geofences, serdes.geofence, [[FIELD, field]])
  } finally {
    await producer.close()
  }
}

/** Values serialized with their serde and sent with string keys, in one batch. */
export async function sendValues<V>(
  producer: BackendProducer,
  topic: string,
  serde: Serde<V>,
  entries: readonly (readonly [string, V])[],
): Promise<void> {
  await producer.send(
    await Promise.all(
      entries.map(async ([key, value]) => ({
        topic,
        key: Buffer.from(key),
        value: await serde.serialize(topic, value, {}),
        timestamp: Date.now(),
        headers: {},
      })),
    ),
  )
}

/** A request for `days` days from day `day` (counted from `base`), or a cancellation of a booking. */
export function requestCommand(
  bookingId: BookingId,
  type: MachineType,
  base: number,
  day: number,
  days: number,
): BookingCommand {
  const startsAt = base + day * DAY
  return {
    commandId: nameUuid(`request:${bookingId}`),
    bookingId,
    machineType: type,
    occurredAt: Date.now(),
    payload: {
      'dev.oxagry.bookings.RequestBooking': {
        customerId: 'farm-test' as CustomerId,
        fieldId: FIELD,
        startsAt,
        endsAt: startsAt + days * DAY,
        days,
      },
    },
  }
}

export function cancelCommand(bookingId: BookingId, type: MachineType): BookingCommand {
  return {
    commandId: nameUuid(`cancel:${bookingId}`),
    bookingId,
    machineType: type,
    occurredAt: Date.now(),
    payload: { 'dev.oxagry.bookings.CancelBooking': { note: 'test' } },
  }
}
