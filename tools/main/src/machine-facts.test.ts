import { nameUuid, type BookingEvent, type BookingId } from '@oxagry/avro'
import { BookingsView } from '@oxagry/commerce-api'
import type { MachinePosition } from '@oxagry/fleet-api'
import test from 'ava'
import { MachineFacts } from './machine-facts.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 5, 1)

const event = (bookingId: string, n: number, payload: object): BookingEvent => ({
  eventId: nameUuid(`${bookingId}:${n}`),
  bookingId: bookingId as BookingId,
  occurredAt: T0 + n,
  payload: payload as BookingEvent['payload'],
})

function book(view: BookingsView, id: string, startsAt: number, steps: [string, object][]) {
  view.apply(
    event(id, 0, {
      'dev.oxagry.bookings.BookingRequested': {
        customerId: 'farm-1',
        machineType: 'COMBINE',
        fieldId: 'gf-1',
        startsAt,
        endsAt: startsAt + DAY,
        days: 1,
      },
    }),
  )
  steps.forEach(([step, p], i) => view.apply(event(id, i + 1, { [`dev.oxagry.bookings.${step}`]: p })))
}

const position = { machineId: 'JD-S790-00006', geofenceIds: [] } as unknown as MachinePosition

test("a position carries the machine's type and its booking of the moment: today's, else the next; none once over or cancelled", (t) => {
  const view = new BookingsView()
  const facts = new MachineFacts()
  facts.machine({
    machineId: position.machineId,
    machineType: 'COMBINE',
    model: 'JD-S790',
    rentalProductId: null,
    depotWarehouseId: null,
    active: true,
    updatedAt: 0,
  } as never)
  facts.geofence({ geofenceId: 'gf-1', name: 'North 40' } as never)
  const assigned = [
    'MachineAssigned',
    { machineId: position.machineId, orderId: nameUuid('o'), amountMinor: 1, currency: 'EUR' },
  ] as [string, object]
  book(view, 'later', T0 + 3 * DAY, [assigned, ['BookingConfirmed', { machineId: position.machineId }]])
  book(view, 'today', T0, [
    assigned,
    ['BookingConfirmed', { machineId: position.machineId }],
    ['MachineEnRoute', { machineId: position.machineId, latitude: 0, longitude: 0 }],
    ['MachineLate', { machineId: position.machineId, dueAt: T0, latitude: null, longitude: null }],
  ])
  book(view, 'gone', T0, [assigned, ['BookingCancelled', { machineId: position.machineId, note: null }]])
  const at = (now: number) => facts.annotate(position, view.machineBooking(position.machineId, now))
  t.like(at(T0 + 3_600_000), {
    machineType: 'COMBINE',
    booking: { bookingId: 'today', state: 'en-route', fieldName: 'North 40', late: true },
  })
  t.like(at(T0 + DAY + 1), { booking: { bookingId: 'later', state: 'booked', late: false } })
  t.is(at(T0 + 5 * DAY).booking, undefined)
  t.is(facts.annotate({ ...position, machineId: 'unknown' }, undefined).machineType, undefined)
})
