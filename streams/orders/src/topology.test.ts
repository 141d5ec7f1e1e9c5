import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type CustomerId,
  type CurrencyCode,
  type OrderCommand,
  type OrderEvent,
  type OrderId,
  type OrderItem,
  type OrderStatus,
  type OrderValidation,
  type PaymentCommand,
  type PaymentEvent,
  type Product,
  type ProductId,
  type StockCommand,
  type WarehouseId,
} from '@oxagry/avro'
import { plain } from '@oxagry/avro/testing'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { DEFAULT_ORDERS_TOPICS as T, type OrdersSerdes } from './options.ts'
import { createOrdersSerdes } from './serdes.ts'
import { buildOrdersTopology } from './topology.ts'
import { DUPLICATE_NOTE } from './transitions.ts'

const S = Serdes.String()
const T0 = 1_750_000_000_000
const EUR = 'EUR' as CurrencyCode
const CUSTOMER = 'farm-0042' as CustomerId
const SEED = 'SEED-WHEAT-25KG' as ProductId
const FERT = 'FERT-NPK-600KG' as ProductId
const NORTH = 'wh-north' as WarehouseId
const SOUTH = 'wh-south' as WarehouseId

let serdes: OrdersSerdes
test.before(async () => {
  serdes = await createOrdersSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

const product = (productId: ProductId, over: Partial<Product> = {}): Product => ({
  productId,
  name: productId,
  category: 'SEED',
  unit: 'bag',
  unitPriceMinor: 3450,
  currency: EUR,
  lowStockThreshold: null,
  active: true,
  ...over,
})

function setup() {
  const driver = new TopologyTestDriver(
    buildOrdersTopology({
      serdes,
      timeouts: { validationTimeoutMs: 30_000, paymentDeadlineMs: 600_000, reservationTtlMs: 900_000 },
    }),
    { applicationId: 'orders-test', initialWallClockTimeMs: T0 },
  )
  const products = driver.createInputTopic(T.products, S, serdes.product)
  products.pipeInput(SEED, product(SEED), T0)
  products.pipeInput(FERT, product(FERT, { category: 'FERTILISER', unitPriceMinor: 41900 }), T0)
  const input = {
    events: driver.createInputTopic(T.orderEvents, S, serdes.orderEvent),
    raw: driver.createInputTopic(T.orderEvents, S, Serdes.Buffer()),
    commands: driver.createInputTopic(T.orderCommands, S, serdes.orderCommand),
    validations: driver.createInputTopic(T.orderValidations, S, serdes.orderValidation),
    payments: driver.createInputTopic(T.paymentEvents, S, serdes.paymentEvent),
    products,
  }
  const out = {
    events: driver.createOutputTopic<string, OrderEvent>(T.orderEvents, S, serdes.orderEvent),
    status: driver.createOutputTopic<string, OrderStatus>(T.orderStatus, S, serdes.orderStatus),
    stock: driver.createOutputTopic<string, StockCommand>(T.stockCommands, S, serdes.stockCommand),
    payments: driver.createOutputTopic<string, PaymentCommand>(T.paymentCommands, S, serdes.paymentCommand),
  }
  let n = 0
  const place = (
    items: OrderItem[] = [{ productId: SEED, warehouseId: NORTH, quantity: 4, unitPriceMinor: 3450 }],
    over: { key?: string; currency?: CurrencyCode; at?: number } = {},
  ): OrderId => {
    const key = over.key ?? `checkout-${++n}`
    const orderId = nameUuid(`order:${CUSTOMER}:${key}`) as OrderId
    const at = over.at ?? T0 + 1000
    input.events.pipeInput(
      orderId,
      {
        eventId: nameUuid(`placed:${orderId}:${JSON.stringify(items)}`),
        orderId,
        occurredAt: at,
        payload: {
          'dev.oxagry.orders.OrderPlaced': {
            customerId: CUSTOMER,
            items,
            currency: over.currency ?? EUR,
            deliveryLocation: { latitude: 52.1, longitude: 9.7, address: null },
            idempotencyKey: key,
          },
        },
      },
      at,
    )
    return orderId
  }
  const answer = (
    orderId: OrderId,
    check: OrderValidation['check'],
    passed: boolean,
    at = T0 + 2000,
    note: string | null = null,
  ) =>
    input.validations.pipeInput(
      orderId,
      {
        validationId: nameUuid(`validation:${orderId}:${check}`),
        orderId,
        check,
        passed,
        reason: passed
          ? null
          : check === 'INVENTORY'
            ? 'OUT_OF_STOCK'
            : check === 'FRAUD'
              ? 'FRAUD_SUSPECTED'
              : 'PAYMENT_FAILED',
        note,
        occurredAt: at,
      },
      at,
    )
  const command = (orderId: OrderId, payload: OrderCommand['payload'], at = T0 + 5000) =>
    input.commands.pipeInput(
      orderId,
      { commandId: nameUuid(`cmd:${orderId}:${at}`), orderId, occurredAt: at, payload },
      at,
    )
  const payment = (orderId: OrderId, payload: PaymentEvent['payload'], at = T0 + 6000) =>
    input.payments.pipeInput(
      orderId,
      {
        eventId: nameUuid(`pay:${orderId}:${at}`),
        paymentId: nameUuid(`payment:${orderId}:1`) as PaymentEvent['paymentId'],
        orderId,
        occurredAt: at,
        payload,
      },
      at,
    )
  const decisions = () =>
    out.events
      .readValuesToList()
      .map((e) => Object.keys(e.payload)[0]?.split('.').pop())
      .filter((k) => k !== undefined)
  const lastStatus = () => out.status.readKeyValuesToMap()
  return { driver, input, out, place, answer, command, payment, decisions, lastStatus }
}

const kinds = (records: readonly { payload: object }[]) =>
  records.map((r) => Object.keys(r.payload)[0]?.split('.').pop())

test('a placed order asks every stock key for its merged lines and the payment for its total, then waits', (t) => {
  const { driver, place, out } = setup()
  const id = place([
    { productId: SEED, warehouseId: NORTH, quantity: 4, unitPriceMinor: 3450 },
    { productId: FERT, warehouseId: SOUTH, quantity: 1, unitPriceMinor: 41900 },
    { productId: SEED, warehouseId: NORTH, quantity: 6, unitPriceMinor: 3450 },
  ])
  const stock = out.stock.readKeyValuesToList()
  t.deepEqual(
    plain(stock.map((r) => [r.key, r.value.payload['dev.oxagry.inventory.ReserveStock' as never]])),
    [
      [`${SEED}|${NORTH}`, { orderId: id, quantity: 10, lineCount: 2, expiresAt: T0 + 900_000 }],
      [`${FERT}|${SOUTH}`, { orderId: id, quantity: 1, lineCount: 2, expiresAt: T0 + 900_000 }],
    ],
  )
  const [authorise] = out.payments.readValuesToList()
  t.deepEqual(plain(authorise?.payload), {
    'dev.oxagry.payments.AuthorisePayment': {
      amountMinor: 10 * 3450 + 41900,
      currency: EUR,
      customerId: CUSTOMER,
    },
  })
  t.is(authorise?.paymentId as string | undefined, nameUuid(`payment:${id}:1`))
  t.deepEqual(out.events.readValuesToList(), [], 'no decision yet')
  const status = out.status.readKeyValuesToMap().get(id)
  t.is(status?.state, 'PLACED')
  t.is(status?.paymentState, 'REQUESTED')
  t.is(status?.totalMinor, 76400)
  driver.close()
})

test('all three checks passed: confirmed once, reservations confirmed, late answers change nothing', (t) => {
  const { driver, place, answer, out, decisions } = setup()
  const id = place()
  out.stock.readValuesToList()
  answer(id, 'FRAUD', true)
  answer(id, 'INVENTORY', true)
  t.deepEqual(decisions(), [])
  answer(id, 'PAYMENT', true)
  answer(id, 'PAYMENT', false)
  answer(id, 'INVENTORY', false)
  t.deepEqual(decisions(), ['OrderConfirmed'])
  t.deepEqual(kinds(out.stock.readValuesToList()), ['ConfirmReservation'])
  t.is(out.status.readKeyValuesToMap().get(id)?.state, 'CONFIRMED')
  driver.close()
})

test('the cancellation reason follows precedence, not arrival: a payment failure waits for the stock answer', (t) => {
  const { driver, place, answer, out, decisions } = setup()
  const id = place()
  answer(id, 'PAYMENT', false)
  t.deepEqual(decisions(), [], 'an OUT_OF_STOCK could still outrank PAYMENT_FAILED')
  answer(id, 'INVENTORY', false, T0 + 3000, 'SEED at wh-north: 4 wanted, 1 available')
  const [cancelled] = out.events.readValuesToList()
  t.deepEqual(plain(cancelled?.payload), {
    'dev.oxagry.orders.OrderCancelled': {
      reason: 'OUT_OF_STOCK',
      note: 'SEED at wh-north: 4 wanted, 1 available',
    },
  })
  // Compensations: reservations released; no void, since the provider declined (nothing is held).
  t.deepEqual(
    plain(
      out.stock
        .readValuesToList()
        .filter((c) => 'dev.oxagry.inventory.ReleaseReservation' in c.payload)
        .map((c) => c.payload),
    ),
    [{ 'dev.oxagry.inventory.ReleaseReservation': { orderId: id, reason: 'ORDER_CANCELLED' } }],
  )
  t.deepEqual(kinds(out.payments.readValuesToList()), ['AuthorisePayment'])
  answer(id, 'FRAUD', true)
  t.deepEqual(decisions(), [], 'decided exactly once')
  driver.close()
})

test('an out-of-stock answer decides at once: nothing pending can outrank it; the authorisation is voided', (t) => {
  const { driver, place, answer, out, decisions } = setup()
  const id = place()
  answer(id, 'INVENTORY', false)
  t.deepEqual(decisions(), ['OrderCancelled'])
  t.deepEqual(kinds(out.payments.readValuesToList()), ['AuthorisePayment', 'VoidPayment'])
  t.is(out.status.readKeyValuesToMap().get(id)?.cancellationReason, 'OUT_OF_STOCK')
  driver.close()
})

test('fraud outranks payment whatever arrives first', (t) => {
  const { driver, place, answer, out } = setup()
  const a = place()
  answer(a, 'INVENTORY', true)
  answer(a, 'PAYMENT', false)
  answer(a, 'FRAUD', false)
  const b = place()
  answer(b, 'INVENTORY', true)
  answer(b, 'FRAUD', false)
  answer(b, 'PAYMENT', false)
  const statuses = out.status.readKeyValuesToMap()
  t.is(statuses.get(a)?.cancellationReason, 'FRAUD_SUSPECTED')
  t.is(statuses.get(b)?.cancellationReason, 'FRAUD_SUSPECTED')
  driver.close()
})

test('invalid details cancel at once with a note naming the problem, asking nothing of stock or payments', (t) => {
  const { driver, place, out } = setup()
  const cases: [OrderItem[], string, CurrencyCode?][] = [
    [[], 'no lines'],
    [
      [{ productId: SEED, warehouseId: NORTH, quantity: 0, unitPriceMinor: 1 }],
      'quantity must be a whole number above 0',
    ],
    [
      [{ productId: SEED, warehouseId: NORTH, quantity: -2, unitPriceMinor: 1 }],
      'quantity must be a whole number above 0',
    ],
    [
      [{ productId: 'NOPE' as ProductId, warehouseId: NORTH, quantity: 1, unitPriceMinor: 1 }],
      'unknown product',
    ],
    [
      [{ productId: SEED, warehouseId: NORTH, quantity: 1, unitPriceMinor: 1 }],
      'sold in EUR, the order is in USD',
      'USD' as CurrencyCode,
    ],
    [[{ productId: SEED, warehouseId: NORTH, quantity: 2 ** 40, unitPriceMinor: 2 ** 20 }], 'overflows'],
  ]
  for (const [items, why, currency] of cases) {
    const id = place(items, currency === undefined ? {} : { currency })
    const [event] = out.events.readValuesToList()
    const cancelled = event?.payload['dev.oxagry.orders.OrderCancelled' as never] as
      { reason: string; note: string } | undefined
    t.is(cancelled?.reason, 'INVALID_ORDER', why)
    t.true(cancelled?.note.includes(why), `${cancelled?.note} names "${why}"`)
    t.is(out.status.readKeyValuesToMap().get(id)?.state, 'CANCELLED')
  }
  t.deepEqual(out.stock.readValuesToList(), [])
  t.deepEqual(out.payments.readValuesToList(), [])
  driver.close()
})

test('the same checkout placed twice is one order; the key reused with another body is refused and the order says why, once', (t) => {
  const { driver, place, out } = setup()
  const first = place(undefined, { key: 'same' })
  out.stock.readValuesToList()
  out.payments.readValuesToList()
  const before = out.status.readValuesToList().at(-1)
  const again = place(undefined, { key: 'same' })
  const other = place([{ productId: FERT, warehouseId: NORTH, quantity: 1, unitPriceMinor: 41900 }], {
    key: 'same',
  })
  const third = place([{ productId: FERT, warehouseId: NORTH, quantity: 2, unitPriceMinor: 41900 }], {
    key: 'same',
  })
  t.is(again, first)
  t.is(other, first)
  t.is(third, first)
  t.deepEqual(out.stock.readValuesToList(), [], 'nothing reserved for the second body')
  t.deepEqual(out.payments.readValuesToList(), [], 'nothing charged for the second body')
  const statuses = out.status.readValuesToList()
  t.is(statuses.length, 1, 'the refusal is noted once')
  const noted = statuses[0]
  t.is(noted?.note, DUPLICATE_NOTE)
  t.is(noted?.state, before?.state, 'the order itself is unchanged')
  t.is(noted?.totalMinor, before?.totalMinor, 'it keeps its first body')
  t.true((noted?.version ?? 0) > (before?.version ?? 0))
  t.deepEqual(
    driver.droppedRecords().map((d) => d.reason),
    [
      `retried checkout (order ${first})`,
      `idempotency key reused with another body (order ${first})`,
      `idempotency key reused with another body (order ${first})`,
    ],
  )
  driver.close()
})

test('a check that never answers cancels after the time-out (wall clock) as TIMED_OUT, keeping a known failure’s precedence', (t) => {
  const { driver, place, answer, out, decisions } = setup()
  const silent = place()
  const known = place()
  answer(known, 'PAYMENT', false)
  driver.advanceWallClockTime(29_000)
  t.deepEqual(decisions(), [])
  driver.advanceWallClockTime(2_000)
  const statuses = out.status.readKeyValuesToMap()
  t.is(statuses.get(silent)?.cancellationReason, 'TIMED_OUT')
  t.is(statuses.get(known)?.cancellationReason, 'PAYMENT_FAILED')
  t.deepEqual(decisions(), ['OrderCancelled', 'OrderCancelled'])
  driver.close()
})

test('a payment that never answers is waited for until the payment deadline, then PAYMENT_FAILED', (t) => {
  const { driver, place, answer, out, decisions } = setup()
  const id = place()
  answer(id, 'INVENTORY', true)
  answer(id, 'FRAUD', true)
  driver.advanceWallClockTime(300_000)
  t.deepEqual(decisions(), [], 'the validation time-out does not apply to a payment in progress')
  driver.advanceWallClockTime(301_000)
  t.deepEqual(decisions(), ['OrderCancelled'])
  t.is(out.status.readKeyValuesToMap().get(id)?.cancellationReason, 'PAYMENT_FAILED')
  t.deepEqual(kinds(out.payments.readValuesToList()), ['AuthorisePayment', 'VoidPayment'])
  driver.close()
})

test('answers that arrive before their order are kept and count when it comes', (t) => {
  const { driver, place, answer, decisions } = setup()
  const id = nameUuid(`order:${CUSTOMER}:early`) as OrderId
  answer(id, 'FRAUD', true, T0)
  answer(id, 'INVENTORY', true, T0)
  answer(id, 'PAYMENT', true, T0)
  t.deepEqual(decisions(), [])
  place(undefined, { key: 'early' })
  t.deepEqual(decisions(), ['OrderConfirmed'])
  driver.close()
})

test('a customer’s cancellation before the decision takes the cancel path; after it, voids and releases', (t) => {
  const { driver, place, answer, command, out, decisions } = setup()
  const before = place()
  command(before, { 'dev.oxagry.orders.CancelOrder': { note: 'ordered twice' } })
  t.is(out.status.readKeyValuesToMap().get(before)?.cancellationReason, 'CUSTOMER_REQUEST')
  const after = place()
  for (const c of ['INVENTORY', 'FRAUD', 'PAYMENT'] as const) answer(after, c, true)
  command(after, { 'dev.oxagry.orders.CancelOrder': { note: null } })
  t.deepEqual(decisions(), ['OrderCancelled', 'OrderConfirmed', 'OrderCancelled'])
  t.deepEqual(kinds(out.payments.readValuesToList()), [
    'AuthorisePayment',
    'VoidPayment',
    'AuthorisePayment',
    'VoidPayment',
  ])
  const releases = out.stock
    .readValuesToList()
    .filter((c) => 'dev.oxagry.inventory.ReleaseReservation' in c.payload)
  t.is(releases.length, 2)
  command(after, { 'dev.oxagry.orders.CancelOrder': { note: null } })
  t.deepEqual(decisions(), [], 'a cancelled order is not cancelled again')
  driver.close()
})

test('delivery captures and fulfils; the capture completes the order; an operator refund follows', (t) => {
  const { driver, place, answer, command, payment, out, decisions } = setup()
  const id = place()
  for (const c of ['INVENTORY', 'FRAUD', 'PAYMENT'] as const) answer(id, c, true)
  out.stock.readValuesToList()
  out.payments.readValuesToList()
  command(id, { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: T0 + 4000 } })
  t.deepEqual(plain(out.stock.readValuesToList().map((c) => c.payload)), [
    { 'dev.oxagry.inventory.ReleaseReservation': { orderId: id, reason: 'FULFILLED' } },
  ])
  t.deepEqual(plain(out.payments.readValuesToList().map((c) => c.payload)), [
    { 'dev.oxagry.payments.CapturePayment': { amountMinor: 4 * 3450, currency: EUR } },
  ])
  payment(id, { 'dev.oxagry.payments.PaymentCaptured': { amountMinor: 4 * 3450, currency: EUR } })
  t.deepEqual(decisions(), ['OrderConfirmed', 'OrderCompleted'])
  command(id, { 'dev.oxagry.orders.RefundOrder': { reason: 'wrong seed' } }, T0 + 9000)
  t.deepEqual(plain(out.payments.readValuesToList().map((c) => c.payload)), [
    { 'dev.oxagry.payments.RefundPayment': { amountMinor: 4 * 3450, currency: EUR, reason: 'wrong seed' } },
  ])
  payment(
    id,
    { 'dev.oxagry.payments.PaymentRefunded': { amountMinor: 4 * 3450, currency: EUR, reason: 'wrong seed' } },
    T0 + 9500,
  )
  const status = out.status.readKeyValuesToMap().get(id)
  t.is(status?.state, 'COMPLETED')
  t.is(status?.paymentState, 'REFUNDED')
  driver.close()
})

test('commands the state does not allow are refused, counted and change nothing', (t) => {
  const { driver, place, command, out } = setup()
  const id = place()
  out.status.readValuesToList()
  command(id, { 'dev.oxagry.orders.ReportDelivery': { deliveredAt: T0 } })
  command(id, { 'dev.oxagry.orders.RefundOrder': { reason: 'x' } })
  command(nameUuid('order:nobody:x') as OrderId, { 'dev.oxagry.orders.CancelOrder': { note: null } })
  t.deepEqual(out.status.readValuesToList(), [])
  t.is(driver.droppedRecords().filter((d) => d.reason.startsWith('command not allowed')).length, 3)
  driver.close()
})

test('an order record that does not decode fails with the typed Avro error the runtime dead-letters', (t) => {
  const { driver, input, out } = setup()
  const error = t.throws(() =>
    input.raw.pipeInput('6f1c2a4e-8d3b-4c5a-9e7f-1a2b3c4d5e6f', Buffer.from('not avro'), T0),
  )
  t.regex((error as { code?: string } | undefined)?.code ?? '', /^OXA_AVRO_/)
  t.deepEqual(out.events.readValuesToList(), [])
  driver.close()
})
