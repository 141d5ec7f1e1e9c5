import {
  nameUuid,
  type BookingCommand,
  type BookingId,
  type CustomerId,
  type GeofenceId,
  type MachineType,
} from '@oxagry/avro'
import type { BookingsView } from '@oxagry/commerce-api'
import type { Serde } from '@oxagry/kafka'
import { createRandom } from '@oxagry/simulator'
import type { MachineFacts } from '../machine-facts.ts'
import type { PlatformContext } from '../module.ts'

const MINUTE = 60_000
const DAY = 86_400_000
/** Simulated farmers book a machine this long ahead: time for the machine to drive to the field. */
const LEAD_MIN_MS = 45 * MINUTE
const LEAD_MAX_MS = 90 * MINUTE
/** A confirmed booking's machine is sent off once its start is this close. */
const DISPATCH_AHEAD_MS = 2 * 60 * MINUTE
const CANCEL_SHARE = 0.1
const LATE_SHARE = 0.15
const TYPES: readonly MachineType[] = ['TRACTOR', 'COMBINE']

export interface BookingTrafficOptions {
  readonly view: BookingsView
  readonly facts: MachineFacts
  readonly topic: string
  readonly serde: Serde<BookingCommand>
  /** The bookings application's grace: a late machine is sent to arrive after it. */
  readonly lateGraceMs: number
}

/**
 * The simulated farmers and the fleet's fulfilment of their bookings: `bookingsPerMinute` requests for
 * a machine type on a field, due 45 to 90 minutes ahead, for the rest of that day; one in ten cancelled
 * a few minutes later. Every confirmed booking (these and any made over REST) whose start is within two
 * hours has its machine dispatched by the fleet simulator to enter the field a few minutes early, or,
 * for 15 %, after the late grace (the map then shows the late alert). Returns its stop.
 */
export async function startBookingTraffic(
  context: PlatformContext,
  options: BookingTrafficOptions,
): Promise<() => Promise<void>> {
  const { simulator } = context.config
  const random = createRandom(simulator.seed + 13)
  const producer = await context.backend.producer({ clientId: 'oxagry-simulated-farmers' })
  const dispatched = new Set<string>()
  const cancels: { at: number; command: BookingCommand }[] = []
  let budget = 0
  let n = 0
  const send = async (command: BookingCommand) =>
    producer.send([
      {
        topic: options.topic,
        key: Buffer.from(command.machineType),
        value: await options.serde.serialize(options.topic, command, {}),
        timestamp: command.occurredAt,
        headers: {},
      },
    ])
  const request = async (now: number) => {
    const fields = options.facts.fieldIds()
    if (fields.length === 0) return
    const type = random.pick(TYPES)
    const bookingId = nameUuid(`sim:booking:${simulator.seed}:${now}:${n++}`) as BookingId
    const startsAt = now + Math.round(random.between(LEAD_MIN_MS, LEAD_MAX_MS))
    await send({
      commandId: nameUuid(`sim:booking-request:${bookingId}`),
      bookingId,
      machineType: type,
      occurredAt: now,
      payload: {
        'dev.oxagry.bookings.RequestBooking': {
          customerId: `farm-${String(random.int(1, 40)).padStart(4, '0')}` as CustomerId,
          fieldId: random.pick(fields) as GeofenceId,
          startsAt,
          endsAt: Math.floor(startsAt / DAY) * DAY + DAY,
          days: 1,
        },
      },
    })
    if (random.chance(CANCEL_SHARE))
      cancels.push({
        at: now + Math.round(random.between(MINUTE, 5 * MINUTE)),
        command: {
          commandId: nameUuid(`sim:booking-cancel:${bookingId}`),
          bookingId,
          machineType: type,
          occurredAt: now,
          payload: { 'dev.oxagry.bookings.CancelBooking': { note: 'plans changed' } },
        },
      })
  }
  const dispatch = async (now: number) => {
    const { items } = await options.view.listBookings({ state: 'CONFIRMED', limit: 1000 })
    for (const b of items) {
      if (dispatched.has(b.bookingId) || b.machineId === null || b.startsAt - now > DISPATCH_AHEAD_MS)
        continue
      const arriveAt = random.chance(LATE_SHARE)
        ? b.startsAt + options.lateGraceMs + 5 * MINUTE
        : b.startsAt - Math.round(random.between(MINUTE, 10 * MINUTE))
      if (context.simulation.dispatch?.(b.machineId, b.fieldId, arriveAt) === true)
        dispatched.add(b.bookingId)
    }
  }
  let stopped = false
  const loop = (async () => {
    let last = Date.now()
    while (!stopped) {
      const now = Date.now()
      budget += ((now - last) / MINUTE) * simulator.bookingsPerMinute
      last = now
      for (; budget >= 1; budget--) await request(now)
      while (cancels.length > 0 && (cancels[0] as { at: number }).at <= now)
        await send((cancels.shift() as { command: BookingCommand }).command)
      await dispatch(now)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  })().catch((error: unknown) => context.logger.error({ err: error }, 'simulated farmers stopped'))
  context.describe(
    'farmers',
    `${simulator.bookingsPerMinute} machine bookings/min, booked machines driven to their fields`,
  )
  return async () => {
    stopped = true
    await loop
    await producer.close()
  }
}
