import test from 'ava'
import { nameUuid, type BookingEvent, type BookingId } from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { testServer } from '../test-server.ts'
import { bookingIdFor } from './bookings.ts'

// The test server's clock: 2023-11-14T22:15:00Z.
const BODY = {
  machineType: 'TRACTOR',
  fieldId: 'gf-north-field',
  startDate: '2023-11-20',
  endDate: '2023-11-22',
}
const DAY = 86_400_000

/** Folds the steps of a booking into the server's view, as the platform does from the topic. */
function fold(view: { apply(e: BookingEvent): void }, bookingId: string, steps: [string, object][], at = 1) {
  steps.forEach(([step, payload], i) =>
    view.apply({
      eventId: nameUuid(`${bookingId}:${step}:${i}`),
      bookingId: bookingId as BookingId,
      occurredAt: 1_700_000_000_000 + at * 1000 + i,
      payload: { [`dev.oxagry.bookings.${step}`]: payload } as unknown as BookingEvent['payload'],
    }),
  )
}

const requested = (customerId: string, startsAt = Date.UTC(2023, 10, 20, 7), days = 3) =>
  [
    'BookingRequested',
    {
      customerId,
      machineType: 'TRACTOR',
      fieldId: 'gf-north-field',
      startsAt,
      endsAt: startsAt - 7 * 3_600_000 + days * DAY,
      days,
    },
  ] as [string, object]

test('POST /bookings writes one RequestBooking keyed by machine type: UTC days both included, due at the start time; a retry writes the same', async (t) => {
  const s = await testServer(t)
  const token = await s.tokens.customer('farm-0001')
  const post = () =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...s.bearer(token), 'idempotency-key': 'k-1' },
      payload: { ...BODY, startTime: '06:30' },
    })
  const first = await post()
  t.is(first.statusCode, 202, first.body)
  const bookingId = bookingIdFor('farm-0001', 'k-1')
  t.deepEqual(first.json(), { status: 'accepted', bookingId, location: `/api/v1/bookings/${bookingId}` })
  t.is((await post()).statusCode, 202)
  const written = await s.bookingCommands()
  t.is(written.length, 2)
  t.is(written[0]?.key, 'TRACTOR')
  t.is(written[0]?.value.commandId, written[1]?.value.commandId, 'a retry is the same command')
  t.deepEqual(plain(written[0]?.value.payload), {
    'dev.oxagry.bookings.RequestBooking': {
      customerId: 'farm-0001',
      fieldId: 'gf-north-field',
      startsAt: Date.UTC(2023, 10, 20, 6, 30),
      endsAt: Date.UTC(2023, 10, 23),
      days: 3,
    },
  })
})

test('POST /bookings refuses bad requests with a 400 naming the field, and a reused key with another body with 409', async (t) => {
  const s = await testServer(t)
  const token = await s.tokens.customer('farm-0001')
  const post = (payload: object, key = 'k') =>
    s.app.inject({
      method: 'POST',
      url: '/api/v1/bookings',
      headers: { ...s.bearer(token), 'idempotency-key': key },
      payload,
    })
  const cases: [object, RegExp][] = [
    [{ ...BODY, endDate: '2023-11-19' }, /body\/endDate must not be before/],
    [{ ...BODY, endDate: '2023-12-31' }, /body\/endDate: a booking is at most 31 days/],
    [
      { ...BODY, startDate: '2023-11-14', endDate: '2023-11-14' },
      /body\/startDate: the booking must start in the future/,
    ],
    [{ ...BODY, machineType: 'HELICOPTER' }, /machineType/],
    [{ ...BODY, startDate: '2023-02-30' }, /startDate/],
    [{ ...BODY, startTime: '25:00' }, /startTime/],
    [{ ...BODY, days: 3 }, /additional/],
  ]
  for (const [payload, message] of cases) {
    const res = await post(payload, `bad-${JSON.stringify(payload)}`.slice(0, 100))
    t.is(res.statusCode, 400, JSON.stringify(payload))
    t.regex(res.json().message, message)
  }
  t.is((await post(BODY)).statusCode, 202)
  t.is((await post({ ...BODY, fieldId: 'gf-south-field' })).statusCode, 409)
  const operator = await s.app.inject({
    method: 'POST',
    url: '/api/v1/bookings',
    headers: { ...s.bearer(s.tokens.staff), 'idempotency-key': 'op' },
    payload: BODY,
  })
  t.is(operator.statusCode, 400, 'a token without a customer must name one')
  t.regex(operator.json().message, /customerId/)
})

test('GET /bookings/{id} and /bookings show the folded booking; a customer sees its own only; cursors page and a made-up one is 400', async (t) => {
  const s = await testServer(t)
  const mine = nameUuid('mine')
  const theirs = nameUuid('theirs')
  const orderId = nameUuid('order')
  fold(s.bookings, mine, [
    requested('farm-0001'),
    ['MachineAssigned', { machineId: 'JD-8R-00001', orderId, amountMinor: 114_000, currency: 'EUR' }],
    ['BookingConfirmed', { machineId: 'JD-8R-00001' }],
    ['MachineEnRoute', { machineId: 'JD-8R-00001', latitude: 52, longitude: 9 }],
    ['MachineLate', { machineId: 'JD-8R-00001', dueAt: 0, latitude: null, longitude: null }],
  ])
  fold(
    s.bookings,
    theirs,
    [
      requested('farm-0002'),
      ['BookingRejected', { reason: 'NO_MACHINE_AVAILABLE', note: 'every TRACTOR is booked' }],
    ],
    2,
  )
  const token = await s.tokens.customer('farm-0001')
  const one = await s.app.inject({ url: `/api/v1/bookings/${mine}`, headers: s.bearer(token) })
  t.is(one.statusCode, 200)
  t.like(one.json(), {
    bookingId: mine,
    state: 'CONFIRMED',
    progress: 'EN_ROUTE',
    machineId: 'JD-8R-00001',
    orderId,
    amountMinor: 114_000,
    startsAt: '2023-11-20T07:00:00.000Z',
    endsAt: '2023-11-23T00:00:00.000Z',
  })
  t.not(one.json().lateAt, null)
  t.is((await s.app.inject({ url: `/api/v1/bookings/${theirs}`, headers: s.bearer(token) })).statusCode, 404)
  const own = await s.app.inject({ url: '/api/v1/bookings', headers: s.bearer(token) })
  t.deepEqual(
    own.json().bookings.map((b: { bookingId: string }) => b.bookingId),
    [mine],
  )
  const page1 = (
    await s.app.inject({ url: '/api/v1/bookings?limit=1', headers: s.bearer(s.tokens.reader) })
  ).json()
  t.deepEqual(
    page1.bookings.map((b: { bookingId: string }) => b.bookingId),
    [theirs],
    'newest request first',
  )
  const page2 = (
    await s.app.inject({
      url: `/api/v1/bookings?limit=1&cursor=${page1.nextCursor}`,
      headers: s.bearer(s.tokens.reader),
    })
  ).json()
  t.deepEqual(
    page2.bookings.map((b: { bookingId: string }) => b.bookingId),
    [mine],
  )
  t.is(page2.nextCursor, undefined)
  const rejected = (
    await s.app.inject({ url: '/api/v1/bookings?state=REJECTED', headers: s.bearer(s.tokens.reader) })
  ).json()
  t.is(rejected.bookings[0]?.note, 'every TRACTOR is booked')
  const bad = await s.app.inject({
    url: '/api/v1/bookings?cursor=bm9wZQ',
    headers: s.bearer(s.tokens.reader),
  })
  t.is(bad.statusCode, 400)
  t.regex(bad.json().message, /querystring\/cursor/)
})

test('POST /bookings/{id}/cancel writes a CancelBooking keyed by machine type; a finished booking is 409', async (t) => {
  const s = await testServer(t)
  const live = nameUuid('live')
  const over = nameUuid('over')
  fold(s.bookings, live, [requested('farm-0001')])
  fold(s.bookings, over, [requested('farm-0001'), ['BookingCancelled', { machineId: null, note: null }]])
  const token = await s.tokens.customer('farm-0001')
  const cancel = (id: string) =>
    s.app.inject({ method: 'POST', url: `/api/v1/bookings/${id}/cancel`, headers: s.bearer(token) })
  t.is((await cancel(live)).statusCode, 202)
  t.is((await cancel(over)).statusCode, 409)
  const written = await s.bookingCommands()
  t.deepEqual(
    written.map((c) => [c.key, c.value.bookingId, Object.keys(c.value.payload)[0]]),
    [['TRACTOR', live, 'dev.oxagry.bookings.CancelBooking']],
  )
})

test("GET /machines/{id}/calendar lists the holds in the window; a customer sees others' spans but not their ids", async (t) => {
  const s = await testServer(t)
  const mine = nameUuid('cal-mine')
  const theirs = nameUuid('cal-theirs')
  const released = nameUuid('cal-released')
  const assign = (orderId: string): [string, object] => [
    'MachineAssigned',
    { machineId: 'JD-8R-00001', orderId, amountMinor: 1, currency: 'EUR' },
  ]
  fold(s.bookings, mine, [requested('farm-0001'), assign(nameUuid('o1'))])
  fold(s.bookings, theirs, [requested('farm-0002', Date.UTC(2023, 10, 25, 7), 1), assign(nameUuid('o2'))])
  fold(s.bookings, released, [
    requested('farm-0002', Date.UTC(2023, 10, 27, 7), 1),
    assign(nameUuid('o3')),
    ['BookingRejected', { reason: 'ORDER_CANCELLED', note: null }],
  ])
  const res = await s.app.inject({
    url: '/api/v1/machines/JD-8R-00001/calendar',
    headers: s.bearer(await s.tokens.customer('farm-0001')),
  })
  t.is(res.statusCode, 200)
  t.deepEqual(res.json().entries, [
    {
      bookingId: mine,
      startsAt: '2023-11-20T07:00:00.000Z',
      endsAt: '2023-11-23T00:00:00.000Z',
      state: 'ASSIGNED',
      fieldId: 'gf-north-field',
    },
    {
      startsAt: '2023-11-25T07:00:00.000Z',
      endsAt: '2023-11-26T00:00:00.000Z',
      state: 'ASSIGNED',
      fieldId: 'gf-north-field',
    },
  ])
  const narrow = await s.app.inject({
    url: '/api/v1/machines/JD-8R-00001/calendar?from=2023-11-24T00:00:00Z&to=2023-11-30T00:00:00Z',
    headers: s.bearer(s.tokens.reader),
  })
  t.deepEqual(
    narrow.json().entries.map((e: { bookingId: string }) => e.bookingId),
    [theirs],
  )
  const backwards = await s.app.inject({
    url: '/api/v1/machines/JD-8R-00001/calendar?from=2023-11-24T00:00:00Z&to=2023-11-20T00:00:00Z',
    headers: s.bearer(s.tokens.reader),
  })
  t.is(backwards.statusCode, 400)
  t.regex(backwards.json().message, /querystring\/to/)
})
