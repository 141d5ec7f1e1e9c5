/**
 * The commerce API on in-memory views seeded with a few orders, payments, stock rows and reservations,
 * writing to the memory broker: what the schemathesis run in CI tests against
 * (`tools/schemathesis/run.sh`). The server is the API's tests' own (`testServer`): authentication on
 * with a fresh local key, the payment webhook served for the `simulated` provider. Listens on 127.0.0.1
 * (`PORT`, 0 by default: any free port) and prints `token <jwt>` (every scope) and then
 * `listening <url>` once it serves.
 */
import { nameUuid, type BookingEvent, type BookingId } from '@oxagry/avro'
import { ORDER_STATES, RESERVATION_STATES } from '@oxagry/sink'
import { orderView, paymentView, reservationView, stockView } from './testing.ts'
import { testServer } from './test-server.ts'

const closers: (() => Promise<void> | void)[] = []
const server = await testServer(
  { teardown: (fn) => closers.push(fn) },
  {
    // Schemathesis sends thousands of requests with one token.
    security: { rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } },
    // A short longest wait, so that a generated `waitFor` on an order that never gets there answers soon.
    plugin: {
      maxWaitMs: 1_000,
      webhooks: { secrets: { simulated: ['fixture-webhook-secret-0123456789abcdef'] } },
    },
  },
)

const products = ['SEED-WHEAT-25KG', 'FERT-NPK-50KG', 'DIESEL-200L'] as const
const warehouses = ['wh-north', 'wh-south'] as const
const states = ORDER_STATES.filter((s) => s !== 'UNKNOWN')
for (let i = 0; i < 12; i++) {
  const orderId = nameUuid(`fixture-order-${i}`)
  const product = products[i % products.length] ?? 'SEED-WHEAT-25KG'
  const warehouse = warehouses[i % warehouses.length] ?? 'wh-north'
  server.views.putOrder(
    orderView(orderId, {
      customerId: `farm-000${i % 3}`,
      state: states[i % states.length] ?? 'PLACED',
      lines: [{ productId: product, warehouseId: warehouse, quantity: 1 + i, unitPriceMinor: 2500 }],
      totalMinor: 2500 * (1 + i),
      placedAt: 1_700_000_000_000 + i * 60_000,
      updatedAt: 1_700_000_000_000 + i * 60_000,
    }),
  )
  server.views.putPayment(
    paymentView(nameUuid(`fixture-payment-${i}`), orderId, { amountMinor: 2500 * (1 + i) }),
  )
  server.views.putReservation(
    reservationView(nameUuid(`fixture-reservation-${i}`), orderId, {
      productId: product,
      warehouseId: warehouse,
      quantity: 1 + i,
      state: RESERVATION_STATES[i % RESERVATION_STATES.length] ?? 'RESERVED',
    }),
  )
}
for (const product of products)
  for (const warehouse of warehouses)
    server.views.putStock(
      stockView(product, warehouse, product === 'DIESEL-200L' ? { available: 5, reserved: 95 } : {}),
    )

// A few bookings, one held machine each.
for (let i = 0; i < 3; i++) {
  const bookingId = nameUuid(`fixture-booking-${i}`) as BookingId
  const startsAt = 1_700_600_000_000 + i * 86_400_000
  const step = (n: number, payload: object): BookingEvent => ({
    eventId: nameUuid(`fixture-booking-${i}:${n}`),
    bookingId,
    occurredAt: 1_700_000_000_000 + i * 60_000 + n,
    payload: payload as BookingEvent['payload'],
  })
  server.bookings.apply(
    step(0, {
      'dev.oxagry.bookings.BookingRequested': {
        customerId: `farm-000${i}`,
        machineType: 'TRACTOR',
        fieldId: 'gf-north-field',
        startsAt,
        endsAt: startsAt + 86_400_000,
        days: 1,
      },
    }),
  )
  server.bookings.apply(
    step(1, {
      'dev.oxagry.bookings.MachineAssigned': {
        machineId: `JD-8R-0000${i}`,
        orderId: nameUuid(`fixture-booking-order-${i}`),
        amountMinor: 38_000,
        currency: 'EUR',
      },
    }),
  )
}

// Orders placed through the API appear in the views at once, PLACED, as if the orders application had
// read them already: schemathesis follows a 202 with reads, cancels and refunds of the order it placed.
let folded = 0
let requested = 0
server.app.addHook('onSend', async (request, reply, payload) => {
  if (request.method !== 'POST' || reply.statusCode !== 202) return payload
  const events = await server.orderEvents()
  for (const { value } of events.slice(folded)) {
    if (!('dev.oxagry.orders.OrderPlaced' in value.payload)) continue
    const placed = value.payload['dev.oxagry.orders.OrderPlaced']
    // A second body under a known order id is refused by the orders application: the first stays.
    if ((await server.views.getOrder(value.orderId)) !== undefined) continue
    server.views.putOrder(
      orderView(value.orderId, {
        customerId: placed.customerId,
        currency: placed.currency,
        lines: placed.items.map((i) => ({ ...i })),
        itemCount: placed.items.length,
        totalMinor: placed.items.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0),
        placedAt: value.occurredAt,
        updatedAt: value.occurredAt,
      }),
    )
  }
  folded = events.length
  // Bookings requested through the API likewise, REQUESTED, as if the bookings application had read them.
  const commands = await server.bookingCommands()
  for (const { value } of commands.slice(requested)) {
    if (!('dev.oxagry.bookings.RequestBooking' in value.payload)) continue
    server.bookings.apply({
      eventId: nameUuid(`fixture-requested:${value.bookingId}`),
      bookingId: value.bookingId,
      occurredAt: value.occurredAt,
      payload: {
        'dev.oxagry.bookings.BookingRequested': {
          ...value.payload['dev.oxagry.bookings.RequestBooking'],
          machineType: value.machineType,
        },
      },
    })
  }
  requested = commands.length
  return payload
})

const url = await server.app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log(`token ${server.tokens.every}`)
console.log(`listening ${url}`)
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    void Promise.all(closers.map((close) => close())).then(() => process.exit(0))
  })
