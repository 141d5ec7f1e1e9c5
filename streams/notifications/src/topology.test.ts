import test from 'ava'
import { InMemorySchemaRegistry, type Notification, type OrderEvent, type OrderPlaced } from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { DEFAULT_NOTIFICATIONS_TOPICS as T, type NotificationsSerdes } from './options.ts'
import { notificationIdOf } from './render.ts'
import { createNotificationsSerdes } from './serdes.ts'
import { bookingEvent, lowStock, orderEvent, preference } from './testing.ts'
import { buildNotificationsTopology, NOTIFICATIONS_STORES } from './topology.ts'

const S = Serdes.String()
// 2025-01-15 10:00 UTC: 11:00 in Berlin.
const T0 = Date.UTC(2025, 0, 15, 10, 0, 0)
const HOUR = 3_600_000

let serdes: NotificationsSerdes
test.before(async () => {
  serdes = await createNotificationsSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

function setup(now = T0) {
  const driver = new TopologyTestDriver(
    buildNotificationsTopology({
      serdes,
      stockRecipients: ['operator:warehouse'],
      releaseIntervalMs: 60_000,
    }),
    { applicationId: 'notifications-test', initialWallClockTimeMs: now },
  )
  const prefs = driver.createInputTopic(T.preferences, S, serdes.preference)
  const orders = driver.createInputTopic(T.orderEvents, S, serdes.orderEvent)
  const bookings = driver.createInputTopic(T.bookingEvents, S, serdes.bookingEvent)
  const stock = driver.createInputTopic(T.stockEvents, S, serdes.stockEvent)
  const outbox = driver.createOutputTopic<string, Notification>(T.outbox, S, serdes.notification)
  return { driver, prefs, orders, bookings, stock, outbox }
}

const ORDER = '6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f'
const BOOKING = '5e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9'

test('an order confirmed, cancelled and delivered tells its customer, from the OrderPlaced that named them, on every channel', (t) => {
  const { prefs, orders, outbox } = setup()
  prefs.pipeInput('farm-1', preference('farm-1'), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'placed', T0), T0)
  t.deepEqual(outbox.readKeyValuesToList(), [], 'a placement tells no one')
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', T0 + 1), T0 + 1)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'cancelled', T0 + 2), T0 + 2)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'completed', T0 + 3), T0 + 3)
  const out = outbox.readKeyValuesToList()
  t.deepEqual(
    out.map((r) => [r.value.template, r.value.channel]),
    [
      ['ORDER_CONFIRMED', 'EMAIL'],
      ['ORDER_CONFIRMED', 'SMS'],
      ['ORDER_CONFIRMED', 'PUSH'],
      ['ORDER_CANCELLED', 'EMAIL'],
      ['ORDER_CANCELLED', 'SMS'],
      ['ORDER_CANCELLED', 'PUSH'],
      ['ORDER_DELIVERED', 'EMAIL'],
      ['ORDER_DELIVERED', 'SMS'],
      ['ORDER_DELIVERED', 'PUSH'],
    ],
  )
  const confirmed = out[0]!
  t.is(confirmed.key, confirmed.value.notificationId)
  t.like(confirmed.value, {
    recipientId: 'farm-1',
    customerId: 'farm-1',
    address: 'farm-1@example.invalid',
    subject: 'Your order is confirmed',
    reference: `order:${ORDER}`,
    createdAt: T0,
    heldUntil: null,
  })
  t.true(confirmed.value.body.includes(ORDER), 'the e-mail names the whole order id')
  t.is(out[1]!.value.address, '+4917600000000')
  t.is(out[1]!.value.body, 'oxagry: order 6f1c2a4e is confirmed.')
  t.is(out[2]!.value.address, 'device-farm-1')
  const cancelledMail = out[3]!.value
  t.is(cancelledMail.subject, 'Your order was cancelled')
  t.regex(cancelledMail.body, /an item is out of stock.*\nNote: SEED-WHEAT-25KG/s)
  t.is(out[6]!.value.subject, 'Your order was delivered')
})

test('a notification id is nameUuid of the source event, recipient and channel: a replayed event renders the same keys', (t) => {
  const { prefs, orders, outbox } = setup()
  prefs.pipeInput('farm-1', preference('farm-1', { channels: ['EMAIL'] }), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'placed', T0), T0)
  const confirmed = orderEvent(ORDER, 'confirmed', T0 + 1)
  orders.pipeInput(ORDER, confirmed, T0 + 1)
  orders.pipeInput(ORDER, confirmed, T0 + 1)
  const keys = outbox.readKeyValuesToList().map((r) => r.key)
  const expected = notificationIdOf(confirmed.eventId, 'farm-1', 'EMAIL')
  t.deepEqual(keys, [expected, expected], 'the worker sends the second once: same idempotency key')
})

test('an order event without a known placement is dropped with the reason, telling no one', (t) => {
  const { driver, prefs, orders, outbox } = setup()
  prefs.pipeInput('farm-1', preference('farm-1'), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', T0), T0)
  t.deepEqual(outbox.readKeyValuesToList(), [])
  t.true(driver.droppedRecords().some((d) => d.reason.includes('no OrderPlaced seen')))
})

test('preferences: a channel turned off or without an address is not rendered; no preferences, nothing', (t) => {
  const { driver, prefs, orders, outbox } = setup()
  prefs.pipeInput('farm-1', preference('farm-1', { channels: ['EMAIL', 'PUSH'], pushDevice: null }), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'placed', T0), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', T0), T0)
  t.deepEqual(
    outbox.readKeyValuesToList().map((r) => r.value.channel),
    ['EMAIL'],
  )
  const other = '0b6e3a59-2c1d-4f8e-a7b6-c5d4e3f2a1b0'
  orders.pipeInput(other, orderEvent(other, 'placed', T0, 'farm-2'), T0)
  orders.pipeInput(other, orderEvent(other, 'confirmed', T0, 'farm-2'), T0)
  t.deepEqual(outbox.readKeyValuesToList(), [])
  t.true(driver.droppedRecords().some((d) => d.reason === 'recipient farm-2 has no notification preferences'))
  // A tombstone removes the recipient's preferences: nothing more is sent.
  prefs.pipeInput('farm-1', null as never, T0 + 1)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'completed', T0 + 2), T0 + 2)
  t.deepEqual(outbox.readKeyValuesToList(), [])
})

test('quiet hours: e-mail goes at once, SMS and push wait in the store until the hours end in the recipient zone', (t) => {
  // 23:30 in Berlin (22:30 UTC), quiet 22:00-06:30 local: the end is 05:30 UTC the next day.
  const now = Date.UTC(2025, 0, 15, 22, 30, 0)
  const { driver, prefs, orders, outbox } = setup(now)
  prefs.pipeInput(
    'farm-1',
    preference('farm-1', {
      quietHours: { startMinute: 22 * 60, endMinute: 6 * 60 + 30, timeZone: 'Europe/Berlin' },
    }),
    now,
  )
  orders.pipeInput(ORDER, orderEvent(ORDER, 'placed', now), now)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', now), now)
  const first = outbox.readKeyValuesToList()
  t.deepEqual(
    first.map((r) => r.value.channel),
    ['EMAIL'],
  )
  const end = Date.UTC(2025, 0, 16, 5, 30, 0)
  const held = driver.getKeyValueStore<string, { until: number }>(NOTIFICATIONS_STORES.held)
  t.deepEqual(
    [...held.all()].map((e) => e.value.until),
    [end, end],
  )
  driver.advanceWallClockTime(end - now - 60_000)
  t.deepEqual(outbox.readKeyValuesToList(), [], 'still quiet a minute before the end')
  driver.advanceWallClockTime(60_000)
  const released = outbox.readKeyValuesToList()
  t.deepEqual(released.map((r) => r.value.channel).sort(), ['PUSH', 'SMS'])
  for (const r of released) t.like(r.value, { heldUntil: end, createdAt: now })
  t.deepEqual([...held.all()], [], 'released ones leave the store')
})

test('outside quiet hours every channel goes at once', (t) => {
  const { prefs, orders, outbox } = setup()
  prefs.pipeInput(
    'farm-1',
    preference('farm-1', {
      quietHours: { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Europe/Berlin' },
    }),
    T0,
  )
  orders.pipeInput(ORDER, orderEvent(ORDER, 'placed', T0), T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', T0), T0)
  t.is(outbox.readKeyValuesToList().length, 3)
})

test('a booking confirmed, its machine on its way, arrived and late tell the customer from BookingRequested; a repeated step once', (t) => {
  const { prefs, bookings, outbox } = setup()
  prefs.pipeInput('farm-7', preference('farm-7', { channels: ['EMAIL'] }), T0)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'requested', T0, 'farm-7'), T0)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'confirmed', T0 + 1), T0 + 1)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'late', T0 + HOUR), T0 + HOUR)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'en-route', T0 + HOUR + 1), T0 + HOUR + 1)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'en-route', T0 + HOUR + 2), T0 + HOUR + 2)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'arrived', T0 + 2 * HOUR), T0 + 2 * HOUR)
  const out = outbox.readKeyValuesToList().map((r) => r.value)
  t.deepEqual(
    out.map((n) => n.template),
    ['BOOKING_CONFIRMED', 'MACHINE_LATE', 'MACHINE_EN_ROUTE', 'MACHINE_ARRIVED'],
  )
  for (const n of out)
    t.like(n, { recipientId: 'farm-7', customerId: 'farm-7', reference: `booking:${BOOKING}` })
  t.is(out[0]!.subject, 'Your machine is booked')
  t.regex(
    out[0]!.body,
    /tractor MF-8S-00042 works gf-north-field from 2025-01-16 10:00 UTC until 2025-01-17 10:00 UTC/,
  )
  t.regex(out[1]!.body, /was due at gf-north-field at 2025-01-15 10:30 UTC/)
  t.is(out[2]!.subject, 'Your machine is on its way')
  t.is(out[3]!.subject, 'Your machine has arrived')
})

test('a cancelled booking is forgotten: its later steps tell no one', (t) => {
  const { prefs, bookings, outbox } = setup()
  prefs.pipeInput('farm-7', preference('farm-7', { channels: ['EMAIL'] }), T0)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'requested', T0, 'farm-7'), T0)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'cancelled', T0 + 1), T0 + 1)
  bookings.pipeInput(BOOKING, bookingEvent(BOOKING, 'en-route', T0 + 2), T0 + 2)
  t.deepEqual(outbox.readKeyValuesToList(), [])
})

test('low stock tells each operator recipient, with the product, warehouse and figures; other stock events tell no one', (t) => {
  const { prefs, stock, outbox } = setup()
  prefs.pipeInput('operator:warehouse', preference('operator:warehouse', { channels: ['EMAIL', 'SMS'] }), T0)
  stock.pipeInput('SEED-WHEAT-25KG|wh-north', lowStock('SEED-WHEAT-25KG', 'wh-north', T0, 4), T0)
  const out = outbox.readKeyValuesToList().map((r) => r.value)
  t.deepEqual(
    out.map((n) => [n.template, n.channel, n.recipientId, n.customerId]),
    [
      ['LOW_STOCK', 'EMAIL', 'operator:warehouse', null],
      ['LOW_STOCK', 'SMS', 'operator:warehouse', null],
    ],
  )
  t.is(out[0]!.subject, 'Low stock: SEED-WHEAT-25KG at wh-north')
  t.is(out[1]!.body, 'oxagry: SEED-WHEAT-25KG at wh-north is low: 4 left (threshold 10).')
  t.is(out[0]!.reference, 'stock:SEED-WHEAT-25KG|wh-north')
})

test("a booking's rental order is told only when cancelled: its confirmation and delivery are the booking's to tell", (t) => {
  const { prefs, orders, outbox } = setup()
  prefs.pipeInput('farm-1', preference('farm-1', { channels: ['EMAIL'] }), T0)
  const placed = orderEvent(ORDER, 'placed', T0)
  const body = (placed.payload as { 'dev.oxagry.orders.OrderPlaced': OrderPlaced })[
    'dev.oxagry.orders.OrderPlaced'
  ]
  const rental: OrderEvent = {
    ...placed,
    payload: { 'dev.oxagry.orders.OrderPlaced': { ...body, idempotencyKey: `booking:TRACTOR:${BOOKING}` } },
  }
  orders.pipeInput(ORDER, rental, T0)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'confirmed', T0 + 1), T0 + 1)
  orders.pipeInput(ORDER, orderEvent(ORDER, 'completed', T0 + 2), T0 + 2)
  t.deepEqual(outbox.readKeyValuesToList(), [])
  orders.pipeInput(ORDER, orderEvent(ORDER, 'cancelled', T0 + 3), T0 + 3)
  t.deepEqual(
    outbox.readKeyValuesToList().map((r) => r.value.template),
    ['ORDER_CANCELLED'],
  )
})
