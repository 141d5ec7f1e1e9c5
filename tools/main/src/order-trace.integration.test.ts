import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { openForQueries } from '@oxagry/clickhouse'
import { eventually } from '@oxagry/testkit'
import { InMemorySpanExporter, startTracing, type ReadableSpan } from '@oxagry/tracing'
import test from 'ava'
import { pino } from 'pino'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

// Issue 10's tracing, on embedded defaults (nothing to reach): one order's trace from its POST through
// the orders, inventory and payments applications to the ClickHouse sink that writes its facts. The
// SDK is the one `npm start` registers, with an in-memory exporter instead of OTLP.
const exporter = new InMemorySpanExporter()
const tracing = startTracing({ serviceName: 'oxagry', exporter })
test.after.always(() => tracing?.close())

const APPLICATIONS = ['oxagry-orders', 'oxagry-inventory', 'oxagry-payments'] as const
const SINK = 'oxagry-sink-clickhouse-commerce write clickhouse:commerce'

const idOf = (span: ReadableSpan): string => span.spanContext().spanId
const describe = (span: ReadableSpan): string =>
  `${span.name} (${idOf(span)} ← ${span.parentSpanContext?.spanId ?? 'root'})`

test('one order’s trace: the POST, every stream application it passes, and the ClickHouse sink’s links', async (t) => {
  t.timeout(180_000)
  const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-trace-'))
  const config = readConfig({
    PORT: '0',
    STATE_DIR: stateDir,
    SIM_MACHINES: '2',
    SIM_RATE: '1',
    SIM_ORDER_RATE: '0.2',
    SIM_BOOKINGS_PER_MINUTE: '0',
    SIM_DECLINE_RATE: '0',
    SIM_PAYMENT_PENDING_RATE: '0',
  })
  const platform = await startPlatform(config, pino({ level: 'silent' }))
  let closed = false
  t.teardown(() => (closed ? undefined : platform.close({ timeoutMs: 20_000 })))
  const orders = platform.urls.api.replace('/machines', '/orders')

  const posted = await fetch(orders, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'trace-checkout-1' },
    body: JSON.stringify({
      customerId: 'farm-0001',
      currency: 'EUR',
      items: [{ productId: 'SEED-WHEAT-25KG', warehouseId: 'wh-north', quantity: 2, unitPriceMinor: 3450 }],
      deliveryLocation: { latitude: 52.37, longitude: 9.73 },
    }),
  })
  t.is(posted.status, 202)
  const { orderId } = (await posted.json()) as { orderId: string }
  const decided = (await (await fetch(`${orders}/${orderId}?waitFor=decision&timeoutMs=30000`)).json()) as {
    state: string
  }
  t.is(decided.state, 'CONFIRMED')

  // The request's span: the trace's root.
  const api = exporter
    .getFinishedSpans()
    .find((s) => s.name === 'POST /api/v1/orders' && s.attributes['http.response.status_code'] === 202)
  if (api === undefined) return t.fail('no span of the POST')
  const traceId = api.spanContext().traceId
  const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
  const linked = (sink: ReadableSpan) => sink.links.filter((l) => l.context.traceId === traceId)
  const sinkSpans = () => exporter.getFinishedSpans().filter((s) => s.name === SINK && linked(s).length > 0)

  // The facts are written once the sink linked a record of each writer: the API (OrderPlaced), the
  // orders application (the status), inventory (the stock movement) and the payment gateway (the payment).
  const writers = (): Set<string> => {
    const byId = new Map(inTrace().map((s) => [idOf(s), s]))
    return new Set(
      sinkSpans()
        .flatMap(linked)
        .map((l) => byId.get(l.context.spanId)?.name.split(' ')[0] ?? 'unknown'),
    )
  }
  const done = await eventually(
    async () => {
      const seen = writers()
      return ['POST', 'oxagry-orders', 'oxagry-inventory', 'oxagry-payment-gateway'].every((w) => seen.has(w))
        ? seen
        : undefined
    },
    { timeoutMs: 60_000 },
  ).catch(() => writers())
  t.log(`writers the ClickHouse sink linked: ${[...done].join(', ')}`)

  const spans = inTrace()
  t.log(spans.map(describe).join('\n'))
  t.is(api.kind, SpanKind.SERVER)
  t.is(api.parentSpanContext, undefined, 'the POST starts the trace')
  t.is(spans.filter((s) => s.parentSpanContext === undefined).length, 1, 'one root: nothing else starts over')
  // Every other span's parent is a span of the trace: a record's span is the child of the span that sent it.
  const ids = new Set(spans.map(idOf))
  for (const span of spans.filter((s) => s !== api))
    t.true(ids.has(span.parentSpanContext?.spanId ?? ''), `${describe(span)} has its parent in the trace`)
  // The orders application took the order from the POST itself.
  const placed = spans.find((s) => s.name === `oxagry-orders process ${orderEventsTopic(spans)}`)
  t.is(
    placed?.parentSpanContext?.spanId,
    idOf(api),
    'the orders application’s first span is the POST’s child',
  )
  for (const application of APPLICATIONS)
    t.true(
      spans.some((s) => s.name.startsWith(`${application} process `) && s.kind === SpanKind.CONSUMER),
      `${application} processed a record of the order`,
    )

  t.true(
    spans.some((s) => s.name.endsWith('-repartition') && ids.has(s.parentSpanContext?.spanId ?? '')),
    'the trace survives a repartition topic',
  )

  // The sink's batches: traces of their own, linked to spans of this one.
  const sinks = sinkSpans()
  t.true(sinks.length > 0)
  for (const sink of sinks) {
    t.not(sink.spanContext().traceId, traceId)
    t.is(sink.parentSpanContext, undefined)
    for (const link of linked(sink)) t.true(ids.has(link.context.spanId), 'each link is a span of the trace')
  }
  t.true(
    ['POST', ...APPLICATIONS.filter((a) => a !== 'oxagry-payments'), 'oxagry-payment-gateway'].every((w) =>
      done.has(w),
    ),
    'the sink linked the records of the API, orders, inventory and the payment gateway',
  )

  // And the fact is there: the order, confirmed, in ClickHouse.
  await platform.close({ timeoutMs: 20_000 })
  closed = true
  const clickhouse = openForQueries(config.clickhouseUrl)
  try {
    const result = await clickhouse.client.query({
      query: 'SELECT argMax(state, version) AS state FROM orders WHERE order_id = {orderId:String}',
      query_params: { orderId },
      format: 'JSONEachRow',
    })
    t.deepEqual(await result.json(), [{ state: 'CONFIRMED' }])
  } finally {
    await clickhouse.close()
  }
})

/** The order events topic, as the orders application's span of the POST's record names it. */
function orderEventsTopic(spans: readonly ReadableSpan[]): string {
  const topic = spans.find(
    (s) => s.name.startsWith('oxagry-orders process ') && s.name.includes('order-events'),
  )
  return topic?.name.slice('oxagry-orders process '.length) ?? 'orders.order-events.v1'
}
