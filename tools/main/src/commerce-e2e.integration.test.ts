import { randomUUID } from 'node:crypto'
import { nameUuid, orderId as toOrderId } from '@oxagry/avro'
import { orderIdFor } from '@oxagry/commerce-api'
import { simulatedCatalogue } from '@oxagry/simulator'
import { eventually, integrationTest } from '@oxagry/testkit'
import { checkAnalystExamples } from './analytics/check.ts'
import {
  checkouts,
  finalState,
  orderPlacedBehindTheApi,
  reservationState,
  STOCK_KEYS,
  type AcceptedCheckout,
  type Fate,
} from './testing/checkouts.ts'
import { startCommerceStack } from './testing/commerce-stack.ts'
import {
  canonical,
  clickHouseOrders,
  differences,
  eventLogInClickHouse,
  levelsAfter,
  listedOrders,
  mongoLevels,
  mongoReservations,
  postgresOrders,
  type Level,
} from './testing/commerce-views.ts'
import { feedProblems, OrderFeedRecorder } from './testing/order-feed.ts'

// Issue 15's "done when", on the stack: the platform as `npm start` runs it on Kafka, the registry,
// PostgreSQL (a schema of the run's own), FerretDB and chdb, under a topic prefix of the run's own.
// Orders placed over REST (valid, invalid, duplicated, conflicting) are each found exactly once in
// PostgreSQL, MongoDB (stock levels and reservations), ClickHouse, over REST and on the live feed, and
// the analysts' figures equal those computed from the event log read back from Kafka.
const test = await integrationTest('kafka', 'schemaRegistry', 'postgres', 'mongodb', 'clickhouse')

/** Each wait's bound: generous for 2 shared cores, and the test stays within 4 minutes. */
const WAIT_MS = 60_000

/** The analysts' examples this run's orders give rows to (machine utilisation has no fleet here). */
const FIGURES_WITH_ORDERS = new Set([
  'revenue-by-currency-category',
  'funnel',
  'cancellations-by-reason',
  'stock-outs',
  'units-sold',
  'orders-by-state',
])

interface OrderJson {
  readonly orderId: string
  readonly customerId: string
  readonly state: string
  readonly cancellationReason: string | null
  readonly paymentState: string | null
  readonly note: string | null
  readonly lines: readonly { productId: string; warehouseId: string; quantity: number }[]
}

test('orders placed over REST are found once everywhere, and the analysts’ figures match the log', async (t) => {
  t.timeout(240_000)
  const started = Date.now()
  const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  const run = randomUUID().replaceAll('-', '').slice(0, 8)
  const stack = await startCommerceStack(run)
  const feeds: OrderFeedRecorder[] = []
  t.teardown(async () => {
    for (const feed of feeds) feed.close()
    await stack.close()
  })
  const { platform, rest } = stack
  t.regex(platform.services.commerceViews ?? '', /PostgreSQL/)
  t.regex(platform.services.stockView ?? '', /MongoDB/)
  const health = () => platform.health()
  t.log(`platform up at ${since()}`)

  // --- the catalogue and its opening stock, read back over REST
  await stack.openMarket(100)
  const opening = new Map<string, Level>()
  for (const [productId, warehouseId] of STOCK_KEYS) {
    const level = await eventually(
      async () =>
        (
          await rest.get<{ stock?: Level[] }>(
            `/inventory/stock?productId=${productId}&warehouseId=${warehouseId}`,
          )
        ).body.stock?.[0],
      { timeoutMs: WAIT_MS, what: `the opening stock of ${productId} at ${warehouseId}`, state: health },
    )
    opening.set(`${productId}|${warehouseId}`, { onHand: level.onHand, reserved: level.reserved })
  }
  t.log(`catalogue and stock in at ${since()}`)

  // --- the live feed, subscribed before anything is placed: one socket by customer, one by order ids
  const prices = new Map(simulatedCatalogue().map((p) => [p.productId as string, p.unitPriceMinor]))
  const { customers, accepted, bad } = checkouts(run, prices)
  const [customerA] = customers
  const idOf = (c: AcceptedCheckout) => orderIdFor(c.body.customerId, c.key)
  const liveUrl = new URL('/ws/orders', platform.urls.live).toString()
  const byCustomer = await OrderFeedRecorder.open(liveUrl, rest.headers)
  const byIds = await OrderFeedRecorder.open(liveUrl, rest.headers)
  feeds.push(byCustomer, byIds)
  const feedOf = (c: AcceptedCheckout) => (c.body.customerId === customerA ? byCustomer : byIds)
  await byCustomer.subscribe({ customerId: customerA })
  const othersIds = accepted.filter((c) => feedOf(c) === byIds).map(idOf)
  await byIds.subscribe({ orderIds: othersIds })

  // --- bad requests: 400 naming the field
  for (const request of bad) {
    const res = await rest.post('/orders', request.body, request.key)
    t.is(res.status, 400, request.what)
    t.is(res.body.code, 'OXA_API_BAD_REQUEST', request.what)
    t.regex(res.body.message ?? '', request.message, request.what)
  }

  // --- checkouts: once, twice, three at once; the same key with another body (409, or behind the API)
  await Promise.all(
    accepted.map(async (c) => {
      const send = () => rest.post('/orders', c.body, c.key)
      const answers =
        c.sends === 'concurrently'
          ? await Promise.all([send(), send(), send()])
          : c.sends === 'twice'
            ? [await send(), await send()]
            : [await send()]
      for (const answer of answers) {
        t.is(answer.status, 202, `${c.key}: ${JSON.stringify(answer.body)}`)
        t.is(answer.body.orderId, idOf(c), `${c.key}: the order id comes from customer and key`)
      }
      if (c.conflictingBody !== undefined)
        t.is((await rest.post('/orders', c.conflictingBody, c.key)).status, 409, `${c.key}: another body`)
      if (c.secondBodyBehindTheApi !== undefined)
        await stack.writer.placeOrder(orderPlacedBehindTheApi(idOf(c), c.key, c.secondBodyBehindTheApi))
    }),
  )
  t.log(`placed at ${since()}`)

  // --- every decision, read-your-writes over REST
  const waitFor = (c: AcceptedCheckout, target: string): Promise<OrderJson> =>
    eventually(
      async () => {
        const res = await rest.get<OrderJson>(`/orders/${idOf(c)}?waitFor=${target}&timeoutMs=10000`)
        const reached = target === 'decision' ? res.body.state !== 'PLACED' : res.body.state === target
        return res.status === 200 && reached ? res.body : undefined
      },
      { timeoutMs: WAIT_MS, what: `${c.key} ${target} over REST`, state: health },
    )
  await Promise.all(accepted.map((c) => waitFor(c, 'decision')))
  t.log(`decided at ${since()}`)

  // --- after the decision: deliveries (as the delivery service reports them), a cancellation, a refund
  const fate = (...fates: Fate[]) => accepted.filter((c) => fates.includes(c.fate))
  for (const c of fate('delivered', 'delivered-refunded'))
    await stack.writer.orderCommand({
      commandId: nameUuid(`e2e:delivered:${idOf(c)}`),
      orderId: toOrderId(idOf(c)),
      occurredAt: Date.now(),
      payload: { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: Date.now() } },
    })
  for (const c of fate('cancelled-by-customer'))
    t.is((await rest.post(`/orders/${idOf(c)}/cancel`, { note: 'changed my mind' })).status, 202)
  await Promise.all(
    fate('delivered', 'delivered-refunded', 'cancelled-by-customer').map((c) =>
      waitFor(c, finalState(c.fate).state),
    ),
  )
  for (const c of fate('delivered-refunded')) {
    t.is((await rest.post(`/orders/${idOf(c)}/refund`, { reason: 'goods damaged' })).status, 202)
    await eventually(
      async () =>
        (await rest.get<OrderJson>(`/orders/${idOf(c)}`)).body.paymentState === 'REFUNDED' ? true : undefined,
      { timeoutMs: WAIT_MS, what: `${c.key} refunded over REST`, state: health },
    )
  }
  t.log(`delivered, cancelled and refunded at ${since()}`)

  // --- REST: each order by id, in its state, with its first body; each customer's list, each once
  for (const c of accepted) {
    const { state, reason } = finalState(c.fate)
    const order = (await rest.get<OrderJson>(`/orders/${idOf(c)}`)).body
    t.like(order, { state, cancellationReason: reason, customerId: c.body.customerId }, c.key)
    t.deepEqual(
      order.lines.map((l) => [l.productId, l.warehouseId, l.quantity]),
      c.body.items.map((l) => [l.productId, l.warehouseId, l.quantity]),
      `${c.key}: the first body's lines`,
    )
    if (c.secondBodyBehindTheApi !== undefined) t.regex(order.note ?? '', /./, `${c.key}: the note says why`)
    if (c.fate === 'invalid') t.regex(order.note ?? '', /NOPE/, `${c.key}: the note names the product`)
    const reservations = (
      await rest.get<{ reservations: unknown[] }>(`/inventory/reservations?orderId=${idOf(c)}`)
    ).body.reservations
    const lines = reservationState(c.fate) === undefined ? 0 : c.body.items.length
    t.is(reservations.length, lines, `${c.key}: its reservations over REST`)
  }
  for (const customer of customers)
    t.deepEqual(
      (await listedOrders(rest, customer, 2)).sort(),
      accepted
        .filter((c) => c.body.customerId === customer)
        .map(idOf)
        .sort(),
      `${customer}'s orders listed over REST, each once`,
    )

  // --- PostgreSQL: the orders view holds each accepted order once, nothing else of these customers
  t.deepEqual(
    await postgresOrders(stack.pg, stack.schema, customers),
    Object.fromEntries(accepted.map((c) => [idOf(c), `${finalState(c.fate).state} x1`])),
    'PostgreSQL: each accepted order once, in its final state',
  )

  // --- MongoDB: one reservation per order line in its final state; levels moved by exactly them
  const expectedReservations: Record<string, string> = Object.fromEntries(
    accepted.flatMap((c) => {
      const state = reservationState(c.fate)
      if (state === undefined) return []
      return c.body.items.map((l) => [`${idOf(c)} ${l.productId}|${l.warehouseId}`, `${state} ${l.quantity}`])
    }),
  )
  let reservations: Record<string, string> = {}
  await eventually(
    async () => {
      reservations = await mongoReservations(stack.mongo, accepted.map(idOf))
      return canonical(reservations) === canonical(expectedReservations) ? true : undefined
    },
    {
      timeoutMs: WAIT_MS,
      what: 'the reservations in MongoDB',
      state: () => differences(reservations, expectedReservations),
    },
  )
  t.deepEqual(reservations, expectedReservations, 'MongoDB: one reservation per order line')
  const expectedLevels = levelsAfter(opening, expectedReservations)
  let levels: Record<string, Level> = {}
  await eventually(
    async () => {
      levels = await mongoLevels(stack.mongo, Object.keys(expectedLevels))
      return canonical(levels) === canonical(expectedLevels) ? true : undefined
    },
    {
      timeoutMs: WAIT_MS,
      what: 'the stock levels in MongoDB',
      state: () => differences(levels, expectedLevels),
    },
  )
  t.deepEqual(levels, expectedLevels, 'MongoDB: levels moved by exactly the fulfilled and held units')
  t.log(`REST, PostgreSQL and MongoDB checked at ${since()}`)

  // --- ClickHouse: every fact of the event log, each order once; the analysts' figures = the log's
  const log = await eventually(() => eventLogInClickHouse(stack), {
    timeoutMs: WAIT_MS,
    intervalMs: 1000,
    what: 'ClickHouse holding every fact of the event log',
    state: health,
  })
  t.deepEqual(
    await clickHouseOrders(stack, customers),
    Object.fromEntries(accepted.map((c) => [idOf(c), finalState(c.fate).state])),
    'ClickHouse: each accepted order once, in its final state',
  )
  for (const check of await checkAnalystExamples(stack.context.clickhouse, log)) {
    t.deepEqual(check.differences, [], `analysts' ${check.id} against the event log`)
    if (FIGURES_WITH_ORDERS.has(check.id)) t.true(check.got.length > 0, `analysts' ${check.id} answers`)
  }
  t.log(`ClickHouse checked at ${since()}`)

  // --- the live feed: every final state arrived, no transition twice, no one else's order
  await eventually(
    async () =>
      accepted.every((c) => feedOf(c).latest(idOf(c)) === finalState(c.fate).state) ? true : undefined,
    {
      timeoutMs: WAIT_MS,
      what: 'every final state on the live feed',
      state: () => Object.fromEntries(accepted.map((c) => [c.key, feedOf(c).latest(idOf(c))])),
    },
  )
  t.deepEqual([...byCustomer.errors, ...byIds.errors], [], 'no error frames')
  t.deepEqual(
    [...byCustomer.statuses.keys()].sort(),
    accepted
      .filter((c) => feedOf(c) === byCustomer)
      .map(idOf)
      .sort(),
    "the customer's feed sends that customer's orders only",
  )
  t.deepEqual([...byIds.statuses.keys()].sort(), [...othersIds].sort(), 'the ids feed sends those only')
  for (const feed of feeds)
    for (const [id, seen] of feed.statuses) t.deepEqual(feedProblems(id, seen), [], `live feed of ${id}`)
  t.log(`done at ${since()}`)
})
