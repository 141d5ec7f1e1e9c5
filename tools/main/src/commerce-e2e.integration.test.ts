import { randomUUID } from 'node:crypto'
import {
  currencyCode,
  customerId as toCustomerId,
  nameUuid,
  orderId as toOrderId,
  productId as toProductId,
  warehouseId as toWarehouseId,
  type OrderEvent,
} from '@oxagry/avro'
import { createCommerceWriter, orderIdFor, type CommerceWriter } from '@oxagry/commerce-api'
import { createMarket, createMarketSink, simulatedCatalogue } from '@oxagry/simulator'
import { pgUrlExecutor, type SqlExecutor } from '@oxagry/sink-postgres'
import { eventually, integrationTest, serviceUrl } from '@oxagry/testkit'
import { MongoClient } from 'mongodb'
import { pino } from 'pino'
import { checkAnalystExamples, clickHouseFactCounts, eventLogFactCounts } from './analytics/check.ts'
import { readEventLog, type EventLog } from './analytics/event-log.ts'
import { commerceTopicNames, marketTopicsOf } from './commerce/topics.ts'
import { readConfig } from './config.ts'
import { platformNames } from './names.ts'
import { platformModules, startPlatform, type Platform } from './platform.ts'
import {
  checkouts,
  finalState,
  reservationState,
  STOCK_KEYS,
  type AcceptedCheckout,
  type CheckoutBody,
} from './testing/checkouts.ts'
import { feedProblems, OrderFeedRecorder } from './testing/order-feed.ts'
import { contextProbe, localBearer, stackPlatformEnv } from './testing/stack-platform.ts'

// Issue 15's "done when", on the stack: the platform as `npm start` runs it on Kafka, the registry,
// PostgreSQL (a schema of the run's own), FerretDB and chdb, under a topic prefix of the run's own.
// Orders placed over REST (valid, invalid, duplicated, conflicting) are each found exactly once in
// PostgreSQL, MongoDB (stock levels and reservations), ClickHouse, over REST and on the live feed, and
// the analysts' figures equal those computed from the event log read back from Kafka.
const test = await integrationTest('kafka', 'schemaRegistry', 'postgres', 'mongodb', 'clickhouse')

const run = randomUUID().replaceAll('-', '').slice(0, 8)
const prefix = `e2e-${run}`
const schema = `e2e_${run}`
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

function withSearchPath(url: string, path: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${path}`)}`
}

test.serial(
  'orders placed over REST are found once everywhere, and the analysts’ figures match the log',
  async (t) => {
    t.timeout(240_000)
    const started = Date.now()
    const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`

    // --- the platform on the stack, with a PostgreSQL schema and MongoDB database of the run's own
    const pgAdmin: SqlExecutor = pgUrlExecutor(serviceUrl('postgres'), { max: 2 })
    await pgAdmin.exec(`CREATE SCHEMA ${schema}`)
    const mongo = new MongoClient(serviceUrl('mongodb'), { serverSelectionTimeoutMS: 5000 })
    const mongoDb = mongo.db(platformNames(prefix).mongoDatabase)
    const config = readConfig(
      stackPlatformEnv(prefix, {
        POSTGRES_URL: withSearchPath(serviceUrl('postgres'), schema),
        SIMULATOR: 'off',
        // Every authorisation goes through, so each order's fate is the test's to choose.
        SIM_DECLINE_RATE: '0',
        SINK_BATCH_WAIT_MS: '100',
      }),
    )
    const probe = contextProbe()
    // What the teardown stops, newest first: filled in as each is started.
    const running: { platform?: Platform; writer?: CommerceWriter } = {}
    const feeds: OrderFeedRecorder[] = []
    t.teardown(async () => {
      for (const feed of feeds) feed.close()
      await running.writer?.close()
      await running.platform?.close({ timeoutMs: 30_000 })
      await mongoDb.dropDatabase().catch(() => {})
      await mongo.close()
      await pgAdmin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await pgAdmin.close()
    })
    const platform = await startPlatform(config, pino({ level: 'warn' }), [
      ...platformModules(config),
      probe.module,
    ])
    running.platform = platform
    t.regex(platform.services.commerceViews ?? '', /PostgreSQL/)
    t.regex(platform.services.stockView ?? '', /MongoDB/)
    const context = probe.context()
    const names = commerceTopicNames(context.topic)
    const base = new URL(platform.urls.api).origin
    const headers = await localBearer(config, ['commerce:read', 'commerce:write', 'commerce:operator'])
    const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${base}/api/v1${path}`, { headers })
      return { status: res.status, body: (await res.json()) as T }
    }
    const post = async (path: string, body: unknown, key?: string) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          ...(key === undefined ? {} : { 'idempotency-key': key }),
        },
        body: JSON.stringify(body),
      })
      return {
        status: res.status,
        body: (await res.json()) as { orderId?: string; code?: string; message?: string },
      }
    }
    t.log(`platform up at ${since()}`)

    // --- the catalogue and the opening receipts, as the simulated market writes them
    const market = await createMarketSink({
      backend: context.backend,
      registry: context.registry,
      topics: marketTopicsOf(names),
      autoRegister: true,
    })
    await market.send(createMarket({ seed: 7, receiptUnits: 100 }).opening(Date.now()))
    await market.close()
    type Stock = { productId: string; warehouseId: string; onHand: number; reserved: number }
    const stockOf = async (productId: string, warehouseId: string): Promise<Stock | undefined> =>
      (await get<{ stock?: Stock[] }>(`/inventory/stock?productId=${productId}&warehouseId=${warehouseId}`))
        .body.stock?.[0]
    const opening = new Map<string, Stock>()
    for (const [productId, warehouseId] of STOCK_KEYS)
      opening.set(
        `${productId}|${warehouseId}`,
        await eventually(async () => stockOf(productId, warehouseId), {
          timeoutMs: WAIT_MS,
          what: `the opening stock of ${productId} at ${warehouseId} over REST`,
          state: () => platform?.health(),
        }),
      )
    t.log(`catalogue and stock in at ${since()}`)

    // --- the live feed, subscribed before anything is placed
    const prices = new Map(simulatedCatalogue().map((p) => [p.productId as string, p.unitPriceMinor]))
    const { customers, accepted, bad } = checkouts(run, prices)
    const [customerA] = customers
    const idOf = (c: AcceptedCheckout) => orderIdFor(c.body.customerId, c.key)
    const liveUrl = new URL('/ws/orders', platform.urls.live.replace(/^http/, 'ws')).toString()
    const byCustomer = await OrderFeedRecorder.open(liveUrl, headers)
    const byIds = await OrderFeedRecorder.open(liveUrl, headers)
    feeds.push(byCustomer, byIds)
    await byCustomer.subscribe({ customerId: customerA })
    const othersIds = accepted.filter((c) => c.body.customerId !== customerA).map(idOf)
    await byIds.subscribe({ orderIds: othersIds })

    // --- bad requests: 400 naming the field, nothing placed
    for (const request of bad) {
      const res = await post('/orders', request.body, request.key)
      t.is(res.status, 400, request.what)
      t.is(res.body.code, 'OXA_API_BAD_REQUEST', request.what)
      t.regex(res.body.message ?? '', request.message, request.what)
    }

    // --- checkouts: once, twice, three at once; the same key with another body
    const writer = await createCommerceWriter({
      backend: context.backend,
      registry: context.registry,
      autoRegister: true,
      topics: {
        orderEvents: names.orderEvents,
        orderCommands: names.orderCommands,
        stockCommands: names.stockCommands,
      },
    })
    running.writer = writer
    await Promise.all(
      accepted.map(async (c) => {
        const times = c.sends === 'once' ? 1 : c.sends === 'twice' ? 2 : 3
        const answers =
          c.sends === 'concurrently'
            ? await Promise.all(Array.from({ length: times }, () => post('/orders', c.body, c.key)))
            : [
                await post('/orders', c.body, c.key),
                ...(times === 2 ? [await post('/orders', c.body, c.key)] : []),
              ]
        for (const answer of answers) {
          t.is(answer.status, 202, `${c.key}: ${JSON.stringify(answer.body)}`)
          t.is(answer.body.orderId, idOf(c), `${c.key}: the order id is derived from customer and key`)
        }
        if (c.conflictingBody !== undefined) {
          const conflict = await post('/orders', c.conflictingBody, c.key)
          t.is(conflict.status, 409, `${c.key}: the same key with another body`)
        }
        if (c.secondBodyBehindTheApi !== undefined)
          await writer?.placeOrder(orderPlaced(idOf(c), c.key, c.secondBodyBehindTheApi))
      }),
    )
    t.log(`placed at ${since()}`)

    // --- every decision, read-your-writes over REST
    type OrderJson = {
      orderId: string
      customerId: string
      state: string
      cancellationReason: string | null
      paymentState: string | null
      note: string | null
      lines: { productId: string; warehouseId: string; quantity: number }[]
    }
    const waitFor = async (c: AcceptedCheckout, target: string): Promise<OrderJson> => {
      const order = await eventually(
        async () => {
          const res = await get<OrderJson>(`/orders/${idOf(c)}?waitFor=${target}&timeoutMs=10000`)
          return res.status === 200 &&
            (target === 'decision' ? res.body.state !== 'PLACED' : res.body.state === target)
            ? res.body
            : undefined
        },
        { timeoutMs: WAIT_MS, what: `${c.key} ${target} over REST`, state: () => platform?.health() },
      )
      return order
    }
    await Promise.all(accepted.map((c) => waitFor(c, 'decision')))
    t.log(`decided at ${since()}`)

    // --- after the decision: deliveries (as the delivery service reports them), a cancellation, a refund
    const fate = (f: AcceptedCheckout['fate']) => accepted.filter((c) => c.fate === f)
    for (const c of [...fate('delivered'), ...fate('delivered-refunded')])
      await writer.orderCommand({
        commandId: nameUuid(`e2e:delivered:${idOf(c)}`),
        orderId: toOrderId(idOf(c)),
        occurredAt: Date.now(),
        payload: { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: Date.now() } },
      })
    for (const c of fate('cancelled-by-customer'))
      t.is((await post(`/orders/${idOf(c)}/cancel`, { note: 'changed my mind' })).status, 202)
    await Promise.all(
      [...fate('delivered'), ...fate('delivered-refunded'), ...fate('cancelled-by-customer')].map((c) =>
        waitFor(c, finalState(c.fate).state),
      ),
    )
    for (const c of fate('delivered-refunded'))
      t.is((await post(`/orders/${idOf(c)}/refund`, { reason: 'goods damaged' })).status, 202)
    for (const c of fate('delivered-refunded'))
      await eventually(
        async () =>
          (await get<OrderJson>(`/orders/${idOf(c)}`)).body.paymentState === 'REFUNDED' ? true : undefined,
        { timeoutMs: WAIT_MS, what: `${c.key} refunded over REST` },
      )
    t.log(`delivered, cancelled and refunded at ${since()}`)

    // --- REST: each order by id, in its state, with its first body; each customer's list, each once
    for (const c of accepted) {
      const { state, reason } = finalState(c.fate)
      const order = (await get<OrderJson>(`/orders/${idOf(c)}`)).body
      t.like(order, { state, cancellationReason: reason, customerId: c.body.customerId }, c.key)
      t.deepEqual(
        order.lines.map((l) => [l.productId, l.warehouseId, l.quantity]),
        c.body.items.map((l) => [l.productId, l.warehouseId, l.quantity]),
        `${c.key}: the first body's lines`,
      )
      if (c.secondBodyBehindTheApi !== undefined)
        t.regex(order.note ?? '', /./, `${c.key}: the note says why`)
      if (c.fate === 'invalid') t.regex(order.note ?? '', /NOPE/, `${c.key}: the note names the product`)
    }
    for (const customer of customers) {
      const listed: string[] = []
      let cursor: string | undefined
      do {
        const page = (
          await get<{ orders: { orderId: string }[]; nextCursor?: string }>(
            `/orders?customerId=${customer}&limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
          )
        ).body
        listed.push(...page.orders.map((o) => o.orderId))
        cursor = page.nextCursor
      } while (cursor !== undefined)
      const expected = accepted.filter((c) => c.body.customerId === customer).map(idOf)
      t.deepEqual([...listed].sort(), [...expected].sort(), `${customer}'s orders listed, each once`)
    }

    // --- PostgreSQL: the orders view holds each accepted order once, nothing else of these customers
    const rows = await pgAdmin.query<{ order_id: string; state: string; n: number }>(
      `SELECT order_id, min(state) AS state, count(*)::int AS n FROM ${schema}.commerce_orders
     WHERE customer_id = ANY($1::text[]) GROUP BY order_id`,
      [customers],
    )
    t.deepEqual(
      Object.fromEntries(rows.rows.map((r) => [r.order_id, `${r.state} x${r.n}`])),
      Object.fromEntries(accepted.map((c) => [idOf(c), `${finalState(c.fate).state} x1`])),
      'PostgreSQL: each accepted order once, in its final state',
    )

    // --- MongoDB: reservations, one per order line, in their final state; levels moved by exactly them
    const expectedReservations = Object.fromEntries(
      accepted.flatMap((c) => {
        const state = reservationState(c.fate)
        return state === undefined
          ? []
          : c.body.items.map((l) => [`${idOf(c)} ${l.productId}|${l.warehouseId}`, `${state} ${l.quantity}`])
      }),
    )
    const ids = accepted.map(idOf)
    type ReservationDoc = {
      orderId: string
      productId: string
      warehouseId: string
      state: string
      quantity: number
    }
    let heldReservations: Record<string, string> = {}
    const reservations = await eventually(
      async () => {
        const docs = await mongoDb
          .collection<ReservationDoc>('stock_reservations')
          .find({ orderId: { $in: ids } })
          .toArray()
        heldReservations = Object.fromEntries(
          docs.map((d) => [`${d.orderId} ${d.productId}|${d.warehouseId}`, `${d.state} ${d.quantity}`]),
        )
        return docs.length === Object.keys(expectedReservations).length &&
          canonical(heldReservations) === canonical(expectedReservations)
          ? heldReservations
          : undefined
      },
      {
        timeoutMs: WAIT_MS,
        what: 'the reservations in MongoDB',
        state: () => ({ held: heldReservations, expected: expectedReservations }),
      },
    )
    t.deepEqual(
      reservations,
      expectedReservations,
      'MongoDB: one reservation per order line, in its final state',
    )
    const expectedLevels = Object.fromEntries(
      [...opening].map(([key, o]) => {
        const moved = (state: string) =>
          Object.entries(expectedReservations)
            .filter(([k, v]) => k.endsWith(` ${key}`) && v.startsWith(`${state} `))
            .reduce((sum, [, v]) => sum + Number(v.split(' ')[1]), 0)
        return [key, { onHand: o.onHand - moved('FULFILLED'), reserved: o.reserved + moved('RESERVED') }]
      }),
    )
    let heldLevels: Record<string, unknown> = {}
    const levels = await eventually(
      async () => {
        const docs = await mongoDb
          .collection<{ _id: string; onHand: number; reserved: number }>('stock_levels')
          .find({ _id: { $in: Object.keys(expectedLevels) } })
          .toArray()
        heldLevels = Object.fromEntries(docs.map((d) => [d._id, { onHand: d.onHand, reserved: d.reserved }]))
        return canonical(heldLevels) === canonical(expectedLevels) ? heldLevels : undefined
      },
      {
        timeoutMs: WAIT_MS,
        what: 'the stock levels in MongoDB',
        state: () => ({ held: heldLevels, expected: expectedLevels }),
      },
    )
    t.deepEqual(
      levels,
      expectedLevels,
      'MongoDB: levels moved by exactly the fulfilled and held reservations',
    )
    for (const c of accepted) {
      const page = (
        await get<{ reservations: { state: string }[] }>(`/inventory/reservations?orderId=${idOf(c)}`)
      ).body
      t.is(
        page.reservations.length,
        reservationState(c.fate) === undefined ? 0 : c.body.items.length,
        `${c.key} over REST`,
      )
    }
    t.log(`PostgreSQL, MongoDB and REST checked at ${since()}`)

    // --- ClickHouse: every fact of the event log, each order once; the analysts' figures = the log's
    const log: EventLog = await eventually(
      async () => {
        const read = await readEventLog(context.backend, context.registry, {
          orderEvents: names.orderEvents,
          orderStatus: names.orderStatus,
          paymentEvents: names.paymentEvents,
          stockEvents: names.stockEvents,
          products: names.products,
          sessions: platformNames(prefix).topics.sessions,
        })
        return (await clickHouseFactCounts(context.clickhouse)) === eventLogFactCounts(read)
          ? read
          : undefined
      },
      { timeoutMs: WAIT_MS, intervalMs: 1000, what: 'ClickHouse holding every fact of the event log' },
    )
    const facts = await context.clickhouse.query({
      query: `SELECT order_id, argMax(state, version) AS state FROM orders
            WHERE customer_id IN {customers:Array(String)} GROUP BY order_id ORDER BY order_id`,
      query_params: { customers: [...customers] },
      format: 'JSONEachRow',
    })
    t.deepEqual(
      Object.fromEntries(
        (await facts.json<{ order_id: string; state: string }>()).map((r) => [r.order_id, r.state]),
      ),
      Object.fromEntries(accepted.map((c) => [idOf(c), finalState(c.fate).state])),
      'ClickHouse: each accepted order once, in its final state',
    )
    for (const check of await checkAnalystExamples(context.clickhouse, log)) {
      t.deepEqual(check.differences, [], `analysts' ${check.id} against the event log`)
      // What this run's orders must show: revenue, the funnel, cancellations, a stock-out, units sold.
      if (FIGURES_WITH_ORDERS.has(check.id)) t.true(check.got.length > 0, `analysts' ${check.id} answers`)
    }
    t.log(`ClickHouse checked at ${since()}`)

    // --- the live feed: every order's final state arrived, no transition twice, no one else's order
    await eventually(
      async () =>
        accepted.every((c) => {
          const feed = c.body.customerId === customerA ? byCustomer : byIds
          return feed.latest(idOf(c)) === finalState(c.fate).state
        })
          ? true
          : undefined,
      {
        timeoutMs: WAIT_MS,
        what: 'every final state on the live feed',
        state: () =>
          Object.fromEntries(
            accepted.map((c) => [
              c.key,
              (c.body.customerId === customerA ? byCustomer : byIds).latest(idOf(c)),
            ]),
          ),
      },
    )
    t.deepEqual([...byCustomer.errors, ...byIds.errors], [], 'no error frames')
    t.deepEqual(
      [...byCustomer.statuses.keys()].sort(),
      accepted
        .filter((c) => c.body.customerId === customerA)
        .map(idOf)
        .sort(),
      "the customer's feed sends that customer's orders only",
    )
    t.deepEqual(
      [...byIds.statuses.keys()].sort(),
      [...othersIds].sort(),
      'the ids feed sends those orders only',
    )
    for (const feed of [byCustomer, byIds])
      for (const [id, seen] of feed.statuses) t.deepEqual(feedProblems(id, seen), [], `feed of ${id}`)
    t.log(`done at ${since()}`)
  },
)

/** An object's entries in key order, as one comparable string. */
function canonical(value: Record<string, unknown>): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** An OrderPlaced as the API builds it, for a second checkout an API instance without the key would write. */
function orderPlaced(orderId: string, key: string, body: CheckoutBody): OrderEvent {
  return {
    eventId: nameUuid(`e2e:placed:${orderId}:${JSON.stringify(body)}`),
    orderId: toOrderId(orderId),
    occurredAt: Date.now(),
    payload: {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: toCustomerId(body.customerId),
        currency: currencyCode(body.currency),
        items: body.items.map((l) => ({
          productId: toProductId(l.productId),
          warehouseId: toWarehouseId(l.warehouseId),
          quantity: l.quantity,
          unitPriceMinor: l.unitPriceMinor,
        })),
        deliveryLocation: { ...body.deliveryLocation, address: null },
        idempotencyKey: key,
      },
    },
  }
}
