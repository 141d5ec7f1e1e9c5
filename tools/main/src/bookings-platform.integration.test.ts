import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from '@oxagry/testkit'
import test from 'ava'
import { pino } from 'pino'
import WebSocket from 'ws'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

interface Booking {
  bookingId: string
  state: string
  machineId: string | null
  orderId: string | null
  machineType: string
}

// What a newcomer does under `npm start` (embedded defaults): book a machine over REST, see it confirmed
// once its rental order went through the commerce flow (stock, fraud, payment), and the notification.
test('npm start on embedded defaults: a machine booked over REST is assigned, paid as a rental order, confirmed and on its calendar', async (t) => {
  t.timeout(180_000)
  const config = readConfig({
    PORT: '0',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-bookings-')),
    SIM_MACHINES: '12',
    SIM_RATE: '12',
    SIM_ORDER_RATE: '1',
    SIM_DECLINE_RATE: '0',
    SIM_BOOKINGS_PER_MINUTE: '30',
    CLICKHOUSE_URL: 'chdb::memory:',
  })
  const platform = await startPlatform(config, pino({ level: 'silent' }))
  t.teardown(() => platform.close({ timeoutMs: 20_000 }))
  const api = platform.urls.api.replace('/machines', '')
  await eventually(
    async () => ((await fetch(`${api.replace('/api/v1', '')}/health/ready`)).ok ? true : undefined),
    {
      timeoutMs: 60_000,
    },
  )
  const { geofences } = (await (await fetch(`${api}/geofences`)).json()) as {
    geofences: { geofenceId: string; kind: string }[]
  }
  const field = geofences.find((g) => g.kind === 'FIELD')
  t.truthy(field, 'the simulator drew fields')
  // Two days ahead: clear of the simulated farmers' bookings, which are for today.
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
  const book = (key: string) =>
    fetch(`${api}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({
        // A customer of the simulated market: its notification preferences (e-mail) are written at start.
        customerId: 'farm-0001',
        machineType: 'COMBINE',
        fieldId: field?.geofenceId,
        startDate: tomorrow,
        endDate: tomorrow,
      }),
    })
  const accepted = await book('first-booking')
  t.is(accepted.status, 202, await accepted.clone().text())
  const { bookingId, location } = (await accepted.json()) as { bookingId: string; location: string }
  const base = api.replace('/api/v1', '')
  const confirmed = await eventually(
    async () => {
      const response = await fetch(`${base}${location}`)
      if (!response.ok) return undefined
      const booking = (await response.json()) as Booking
      return booking.state === 'CONFIRMED' || booking.state === 'REJECTED' ? booking : undefined
    },
    { timeoutMs: 90_000 },
  )
  t.is(confirmed.state, 'CONFIRMED', JSON.stringify(confirmed))
  t.regex(confirmed.machineId ?? '', /^(CLAAS-LEX|JD-S790)-\d{5}$/, 'a combine of the simulated fleet')
  const order = (await (
    await fetch(`${api}/orders/${confirmed.orderId}?waitFor=decision&timeoutMs=20000`)
  ).json()) as { state: string }
  t.is(order.state, 'CONFIRMED', 'its rental order was confirmed by the commerce flow')
  // The calendar of the booked day alone: the simulated farmers may have the same combine today.
  const day = `from=${tomorrow}T00:00:00Z&to=${new Date(Date.parse(tomorrow) + 86_400_000).toISOString()}`
  const calendar = (await (await fetch(`${api}/machines/${confirmed.machineId}/calendar?${day}`)).json()) as {
    entries: { bookingId?: string; state: string }[]
  }
  t.deepEqual(
    calendar.entries.map((e) => [e.bookingId, e.state]),
    [[bookingId, 'CONFIRMED']],
  )
  // The customer is told: the booking confirmed by e-mail, and not its rental order's confirmation again.
  const told = await eventually(
    async () => {
      const page = (await (await fetch(`${api}/customers/farm-0001/notifications?limit=200`)).json()) as {
        notifications: { reference: string; template: string; channel: string; state: string }[]
      }
      const mine = page.notifications.filter((n) => n.reference === `booking:${bookingId}`)
      return mine.some((n) => n.state === 'SENT') ? page.notifications : undefined
    },
    { timeoutMs: 30_000, what: "the booking's notification, sent" },
  )
  t.deepEqual(
    told.filter((n) => n.reference === `booking:${bookingId}`).map((n) => [n.template, n.channel]),
    [['BOOKING_CONFIRMED', 'EMAIL']],
  )
  t.false(
    told.some((n) => n.reference === `order:${confirmed.orderId}` && n.template === 'ORDER_CONFIRMED'),
    'the rental order is not told twice',
  )

  // The simulated farmers book too (some machines are theirs by now).
  const simulated = await eventually(
    async () => {
      const all = (await (await fetch(`${api}/bookings?limit=1000`)).json()) as { bookings: Booking[] }
      return all.bookings.find((b) => b.bookingId !== bookingId && b.machineId !== null)
    },
    { timeoutMs: 30_000 },
  )
  t.regex(simulated.state, /^(ASSIGNED|CONFIRMED|CANCELLED|REJECTED)$/, 'a simulated farmer booked a machine')

  // The live feed (and so the map) shows the machine's type and its booking of the moment.
  const ws = new WebSocket(platform.urls.live)
  t.teardown(() => ws.close())
  const seen: { machineId: string; machineType?: string; booking?: { bookingId: string; state: string } }[] =
    []
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; machines?: typeof seen }
    if (frame.type === 'snapshot' || frame.type === 'update') seen.push(...(frame.machines ?? []))
  })
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(JSON.stringify({ type: 'subscribe', machineIds: [confirmed.machineId] }))
  const live = await eventually(async () => seen.find((m) => m.booking !== undefined), { timeoutMs: 15_000 })
  t.is(live.machineType, 'COMBINE')
  t.deepEqual([live.booking?.bookingId, live.booking?.state], [bookingId, 'booked'])
})
