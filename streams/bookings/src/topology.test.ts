import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type BookingCommand,
  type BookingEvent,
  type BookingId,
  type CurrencyCode,
  type CustomerId,
  type GeofenceId,
  type Machine,
  type MachineId,
  type MachinePosition,
  type OrderCommand,
  type OrderEvent,
  type OrderId,
  type ProductId,
  type WarehouseId,
} from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { DEFAULT_BOOKINGS_TOPICS as T, type BookingsSerdes } from './options.ts'
import { auditBookings } from './invariants.ts'
import { createBookingsSerdes } from './serdes.ts'
import { buildBookingsTopology } from './topology.ts'

const S = Serdes.String()
const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 5, 1, 8, 0, 0)
const CUSTOMER = 'farm-0042' as CustomerId
const FIELD = 'gf-north-field' as GeofenceId
const YARD = 'gf-home-yard' as GeofenceId
const RENTAL = 'RENT-TRACTOR-DAY' as ProductId
const DEPOT = 'wh-depot' as WarehouseId
const A = 'CASE-MX-00002' as MachineId
const B = 'JD-8R-00001' as MachineId
const GRACE = 30 * 60_000

let serdes: BookingsSerdes
test.before(async () => {
  serdes = await createBookingsSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

const tractor = (machineId: MachineId, over: Partial<Machine> = {}): Machine => ({
  machineId,
  machineType: 'TRACTOR',
  model: machineId.replace(/-\d+$/, ''),
  rentalProductId: RENTAL,
  depotWarehouseId: DEPOT,
  active: true,
  updatedAt: T0 - DAY,
  ...over,
})

/** A step's name: the payload branch without its namespace. */
const stepOf = (e: BookingEvent): string => (Object.keys(e.payload)[0] as string).split('.').pop() as string
const branch = <T>(payload: object): T => Object.values(payload)[0] as T

function setup() {
  const driver = new TopologyTestDriver(
    buildBookingsTopology({ serdes, timing: { lateGraceMs: GRACE, punctuateEveryMs: 1_000 } }),
    { applicationId: 'bookings-test', initialWallClockTimeMs: T0 },
  )
  const machines = driver.createInputTopic(T.machines, S, serdes.machine)
  for (const m of [tractor(A), tractor(B), tractor('NH-T7-00003' as MachineId, { active: false })])
    machines.pipeInput(m.machineId, m, T0)
  machines.pipeInput(
    'CLAAS-LEX-00004',
    tractor('CLAAS-LEX-00004' as MachineId, { machineType: 'COMBINE', rentalProductId: null }),
    T0,
  )
  driver.createInputTopic(T.products, S, serdes.product).pipeInput(
    RENTAL,
    {
      productId: RENTAL,
      name: 'Tractor rental',
      category: 'MACHINERY_RENTAL',
      unit: 'day',
      unitPriceMinor: 38_000,
      currency: 'EUR' as CurrencyCode,
      lowStockThreshold: null,
      active: true,
    },
    T0,
  )
  const geofences = driver.createInputTopic(T.geofences, S, serdes.geofence)
  const square = [
    { latitude: 52.0, longitude: 9.0 },
    { latitude: 52.0, longitude: 9.02 },
    { latitude: 52.02, longitude: 9.02 },
    { latitude: 52.02, longitude: 9.0 },
  ]
  geofences.pipeInput(
    FIELD,
    { geofenceId: FIELD, name: 'North field', kind: 'FIELD', boundary: square, active: true, updatedAt: T0 },
    T0,
  )
  geofences.pipeInput(
    YARD,
    { geofenceId: YARD, name: 'Home yard', kind: 'YARD', boundary: square, active: true, updatedAt: T0 },
    T0,
  )

  const commands = driver.createInputTopic(T.bookingCommands, S, serdes.bookingCommand)
  const orderEvents = driver.createInputTopic(T.orderEvents, S, serdes.orderEvent)
  const positions = driver.createInputTopic(T.machinePositions, S, serdes.machinePosition)
  const out = {
    events: driver.createOutputTopic<string, BookingEvent>(T.bookingEvents, S, serdes.bookingEvent),
    orders: driver.createOutputTopic<string, OrderEvent>(T.orderEvents, S, serdes.orderEvent),
    orderCommands: driver.createOutputTopic<string, OrderCommand>(T.orderCommands, S, serdes.orderCommand),
    bookingCommands: driver.createOutputTopic<string, BookingCommand>(
      T.bookingCommands,
      S,
      serdes.bookingCommand,
    ),
  }
  let n = 0
  const request = (
    over: { startsAt?: number; days?: number; fieldId?: GeofenceId; bookingId?: BookingId } = {},
  ): BookingId => {
    const bookingId = over.bookingId ?? (nameUuid(`test-booking:${++n}`) as BookingId)
    const startsAt = over.startsAt ?? T0 + DAY
    const days = over.days ?? 2
    commands.pipeInput(
      'TRACTOR',
      {
        commandId: nameUuid(`request:${bookingId}`),
        bookingId,
        machineType: 'TRACTOR',
        occurredAt: T0,
        payload: {
          'dev.oxagry.bookings.RequestBooking': {
            customerId: CUSTOMER,
            fieldId: over.fieldId ?? FIELD,
            startsAt,
            endsAt: startsAt - 8 * HOUR + days * DAY,
            days,
          },
        },
      },
      T0,
    )
    return bookingId
  }
  const cancel = (bookingId: BookingId, at = T0 + 1_000) =>
    commands.pipeInput(
      'TRACTOR',
      {
        commandId: nameUuid(`cancel:${bookingId}`),
        bookingId,
        machineType: 'TRACTOR',
        occurredAt: at,
        payload: { 'dev.oxagry.bookings.CancelBooking': { note: 'rain' } },
      },
      at,
    )
  /** The rental orders the application placed, by booking (read from its OrderPlaced output). */
  const placed = new Map<string, OrderId>()
  const learnOrders = () => {
    for (const o of out.orders.readValuesToList()) {
      const p = o.payload as { 'dev.oxagry.orders.OrderPlaced'?: { idempotencyKey: string } }
      const key = p['dev.oxagry.orders.OrderPlaced']?.idempotencyKey
      if (key !== undefined) placed.set(key.split(':')[2] as string, o.orderId)
    }
  }
  /** Reads (and forgets) the booking events so far. */
  const drain = () => {
    learnOrders()
    return out.events.readValuesToList()
  }
  const decide = (bookingId: BookingId, confirmed: boolean, at = T0 + 2_000) => {
    learnOrders()
    const orderId = placed.get(bookingId) as OrderId
    orderEvents.pipeInput(
      orderId,
      {
        eventId: nameUuid(`decision:${orderId}`),
        orderId,
        occurredAt: at,
        payload: confirmed
          ? { 'dev.oxagry.orders.OrderConfirmed': { estimatedDeliveryAt: null } }
          : { 'dev.oxagry.orders.OrderCancelled': { reason: 'PAYMENT_FAILED', note: 'card declined' } },
      },
      at,
    )
    return orderId
  }
  const position = (machineId: MachineId, at: number, where: { inField: boolean; kmh: number }) =>
    positions.pipeInput(
      machineId,
      {
        machineId,
        eventTime: at,
        latitude: where.inField ? 52.01 : 51.9,
        longitude: 9.01,
        speedKmh: where.kmh,
        headingDegrees: 90,
        accuracyMeters: 3,
        engineState: 'RUNNING',
        fuelLevelPercent: null,
        lastPingId: nameUuid(`ping:${machineId}:${at}`),
        lastSequence: at,
        geofenceIds: where.inField ? [FIELD] : [],
      } satisfies MachinePosition,
      at,
    )
  return { driver, out, request, cancel, decide, drain, placed, position }
}

test('a request gets the first free machine of its type (by id), is priced at the day rate and placed as a rental order', (t) => {
  const s = setup()
  const bookingId = s.request({ days: 3 })
  const events = s.out.events.readValuesToList()
  t.deepEqual(events.map(stepOf), ['BookingRequested', 'MachineAssigned'])
  const assigned = branch<{ machineId: string; orderId: string; amountMinor: number }>(
    events[1]?.payload as object,
  )
  t.is(assigned.machineId, A, 'CASE-MX-00002 sorts before JD-8R-00001; the inactive NH-T7 is never chosen')
  t.is(assigned.amountMinor, 3 * 38_000)
  const [order] = s.out.orders.readKeyValuesToList()
  t.is(order?.key, assigned.orderId)
  const placedOrder = branch<{
    customerId: string
    idempotencyKey: string
    items: { productId: string; warehouseId: string; quantity: number; unitPriceMinor: number }[]
    deliveryLocation: { latitude: number; address: string | null }
  }>(order?.value.payload as object)
  t.is(placedOrder.customerId, CUSTOMER)
  t.is(placedOrder.idempotencyKey, `booking:TRACTOR:${bookingId}`)
  t.is(
    assigned.orderId,
    nameUuid(`order:${CUSTOMER}:booking:TRACTOR:${bookingId}`),
    'the checkout rule for order ids',
  )
  t.deepEqual(plain(placedOrder.items), [
    { productId: RENTAL, warehouseId: DEPOT, quantity: 3, unitPriceMinor: 38_000 },
  ])
  t.is(placedOrder.deliveryLocation.address, 'North field')
  t.true(Math.abs(placedOrder.deliveryLocation.latitude - 52.01) < 1e-9, "the field's centre")
})

test('overlapping requests never share a machine; when every machine is taken the request is rejected; other days reuse it', (t) => {
  const s = setup()
  s.request()
  s.request({ startsAt: T0 + 2 * DAY, days: 1 })
  s.request({ startsAt: T0 + 2 * DAY + 2 * HOUR, days: 1 })
  s.request({ startsAt: T0 + 5 * DAY, days: 1 })
  const outcomes = s.out.events
    .readValuesToList()
    .filter((e) => stepOf(e) !== 'BookingRequested')
    .map((e) => {
      const p = branch<{ machineId?: string; reason?: string }>(e.payload)
      return stepOf(e) === 'MachineAssigned' ? p.machineId : p.reason
    })
  t.deepEqual(outcomes, [A, B, 'NO_MACHINE_AVAILABLE', A])
})

test('a retried request changes nothing; a request for an unknown field or a yard is rejected as invalid', (t) => {
  const s = setup()
  const id = s.request()
  s.drain()
  s.request({ bookingId: id })
  t.true(s.out.events.isEmpty())
  t.true(s.out.orders.isEmpty())
  s.request({ fieldId: 'gf-nowhere' as GeofenceId })
  s.request({ fieldId: YARD })
  const rejected = s.out.events
    .readValuesToList()
    .filter((e) => stepOf(e) === 'BookingRejected')
    .map((e) => branch<{ reason: string; note: string }>(e.payload))
  t.deepEqual(
    rejected.map((r) => r.reason),
    ['INVALID_REQUEST', 'INVALID_REQUEST'],
  )
  t.regex(rejected[0]?.note ?? '', /no field gf-nowhere/)
  t.regex(rejected[1]?.note ?? '', /is a yard, not a field/)
})

test("the order's confirmation confirms the booking; its cancellation rejects it and frees the machine", (t) => {
  const s = setup()
  const paid = s.request()
  const unpaid = s.request()
  s.decide(paid, true)
  s.decide(unpaid, false)
  const events = s.out.events
    .readValuesToList()
    .filter((e) => !['BookingRequested', 'MachineAssigned'].includes(stepOf(e)))
  t.deepEqual(
    events.map((e) => [e.bookingId, stepOf(e)]),
    [
      [paid, 'BookingConfirmed'],
      [unpaid, 'BookingRejected'],
    ],
  )
  t.is(branch<{ reason: string }>(events[1]?.payload as object).reason, 'ORDER_CANCELLED')
  t.regex(branch<{ note: string }>(events[1]?.payload as object).note, /PAYMENT_FAILED \(card declined\)/)
  s.request()
  const again = s.out.events.readValuesToList().find((e) => stepOf(e) === 'MachineAssigned')
  t.is(
    branch<{ machineId: string }>(again?.payload as object).machineId,
    B,
    "the rejected booking's machine is free again",
  )
})

test('cancelling a confirmed booking cancels its order and frees the machine; a second cancellation is ignored', (t) => {
  const s = setup()
  const id = s.request()
  const orderId = s.decide(id, true)
  s.drain()
  s.cancel(id)
  s.cancel(id)
  t.deepEqual(s.out.events.readValuesToList().map(stepOf), ['BookingCancelled'])
  const commands = s.out.orderCommands.readKeyValuesToList()
  t.deepEqual(
    commands.map((c) => [c.key, Object.keys(c.value.payload)[0]]),
    [[orderId, 'dev.oxagry.orders.CancelOrder']],
  )
  s.request()
  const assigned = s.out.events.readValuesToList().find((e) => stepOf(e) === 'MachineAssigned')
  t.is(branch<{ machineId: string }>(assigned?.payload as object).machineId, A)
})

test('on the day the booking follows the machine: en route, arrived, working, done, and the order is reported delivered', (t) => {
  const s = setup()
  const start = T0 + DAY
  const id = s.request({ startsAt: start, days: 1 })
  const orderId = s.decide(id, true)
  s.drain()
  s.position(A, start - 5 * HOUR, { inField: false, kmh: 20 })
  t.true(s.out.events.isEmpty(), 'moving the day before (beyond the lead) is not on its way')
  s.position(A, start - HOUR, { inField: false, kmh: 20 })
  s.position(A, start - 10 * 60_000, { inField: true, kmh: 0 })
  s.position(A, start, { inField: true, kmh: 8 })
  s.position(A, start + 2 * HOUR, { inField: true, kmh: 8 })
  s.position(A, start + 6 * HOUR, { inField: false, kmh: 15 })
  const events = s.out.events.readValuesToList()
  t.deepEqual(events.map(stepOf), ['MachineEnRoute', 'MachineArrived', 'WorkStarted', 'BookingDone'])
  t.true(events.every((e) => e.bookingId === id))
  t.is(events[1]?.occurredAt, start - 10 * 60_000, 'a step happens when the position showing it was taken')
  t.deepEqual(
    s.out.orderCommands.readKeyValuesToList().map((c) => [c.key, Object.keys(c.value.payload)[0]]),
    [[orderId, 'dev.oxagry.orders.ReportDelivery']],
  )
})

test('a machine not in the field by the start plus the grace raises one MachineLate; its booking ends without a delivery', (t) => {
  const s = setup()
  const start = T0 + DAY
  const id = s.request({ startsAt: start, days: 1 })
  s.decide(id, true)
  s.drain()
  s.position(A, start - HOUR, { inField: false, kmh: 0 })
  s.driver.advanceWallClockTime(DAY + GRACE - 5_000)
  t.true(s.out.events.isEmpty(), 'within the grace')
  s.driver.advanceWallClockTime(10_000)
  s.driver.advanceWallClockTime(60_000)
  const late = s.out.events.readValuesToList()
  t.deepEqual(late.map(stepOf), ['MachineLate'])
  const alert = branch<{ machineId: string; dueAt: number; latitude: number | null }>(
    late[0]?.payload as object,
  )
  t.deepEqual([alert.machineId, alert.dueAt, alert.latitude], [A, start, 51.9])
  s.driver.advanceWallClockTime(DAY)
  t.deepEqual(s.out.events.readValuesToList().map(stepOf), ['BookingDone'])
  t.true(s.out.orderCommands.isEmpty(), 'a machine that never came does not capture the payment')
})

test("a cancelled booking's machine is no longer followed", (t) => {
  const s = setup()
  const start = T0 + DAY
  const id = s.request({ startsAt: start, days: 1 })
  s.decide(id, true)
  s.cancel(id)
  s.drain()
  s.position(A, start, { inField: true, kmh: 8 })
  s.driver.advanceWallClockTime(2 * DAY)
  t.true(s.out.events.isEmpty())
})

test('300 random requests and cancellations: no machine is ever held by two bookings for overlapping days', (t) => {
  const s = setup()
  let seed = 42
  const random = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
    return (seed >>> 16) % n
  }
  const ids: BookingId[] = []
  for (let i = 0; i < 300; i++) {
    if (ids.length > 0 && random(4) === 0) s.cancel(ids[random(ids.length)] as BookingId)
    else ids.push(s.request({ startsAt: T0 + random(30) * DAY, days: 1 + random(4) }))
  }
  const audit = auditBookings(s.drain())
  t.deepEqual(audit.violations, [])
  t.deepEqual(audit.unanswered, [])
  t.true(
    audit.assigned > 25 && audit.rejected > 25 && audit.cancelled > 10,
    `every outcome exercised (${JSON.stringify(audit)})`,
  )
})
test('the audit catches a machine held twice, a duplicate event and an unanswered request', (t) => {
  const s = setup()
  const first = s.request()
  const events = s.drain()
  const assigned = events.find((e) => stepOf(e) === 'MachineAssigned') as BookingEvent
  const requested = events.find((e) => stepOf(e) === 'BookingRequested') as BookingEvent
  const second = { ...requested, eventId: nameUuid('other-request'), bookingId: 'b2' as BookingId }
  const doubled = { ...assigned, eventId: nameUuid('other-assignment'), bookingId: 'b2' as BookingId }
  const audit = auditBookings([
    ...events,
    second,
    doubled,
    assigned,
    { ...requested, eventId: nameUuid('x'), bookingId: 'b3' as BookingId },
  ])
  t.true(audit.violations.some((v) => v.includes(`held by ${first}`)))
  t.true(audit.violations.some((v) => v.includes('written twice')))
  t.deepEqual(audit.unanswered, ['b3'])
})
