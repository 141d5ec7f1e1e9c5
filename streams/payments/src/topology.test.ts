import test from 'ava'
import {
  InMemorySchemaRegistry,
  nameUuid,
  type CurrencyCode,
  type CustomerId,
  type OrderEvent,
  type OrderId,
  type OrderValidation,
  type PaymentEvent,
  type PaymentId,
  type ProductId,
  type WarehouseId,
} from '@oxagry/avro'
import { Serdes } from '@oxagry/kafka'
import { TopologyTestDriver } from '@oxagry/streams/testing'
import { DEFAULT_PAYMENTS_TOPICS as T, type PaymentsOptions, type PaymentsSerdes } from './options.ts'
import { createPaymentsSerdes } from './serdes.ts'
import { buildPaymentsTopology, PAYMENTS_STORES } from './topology.ts'

const S = Serdes.String()
const T0 = 1_700_000_000_000
const MIN = 60_000
const HOUR = 60 * MIN

let serdes: PaymentsSerdes
test.before(async () => {
  serdes = await createPaymentsSerdes(new InMemorySchemaRegistry(), T, { autoRegister: true })
})

function setup(options: Partial<PaymentsOptions> = {}) {
  const driver = new TopologyTestDriver(buildPaymentsTopology({ serdes, ...options }), {
    applicationId: 'payments-test',
  })
  const payments = driver.createInputTopic(T.paymentEvents, S, serdes.paymentEvent)
  const orders = driver.createInputTopic(T.orderEvents, S, serdes.orderEvent)
  const out = driver.createOutputTopic<string, OrderValidation>(T.orderValidations, S, serdes.validation)
  return { driver, payments, orders, out }
}

const orderId = (n: number | string) => nameUuid(`order:test:${n}`) as OrderId
const paymentId = (order: string, n = 1) => nameUuid(`payment:${order}:${n}`) as PaymentId

function paymentEvent(
  order: OrderId,
  payload: PaymentEvent['payload'],
  options: { at?: number; payment?: PaymentId; step?: string } = {},
): PaymentEvent {
  const payment = options.payment ?? paymentId(order)
  return {
    eventId: nameUuid(`event:${payment}:${options.step ?? JSON.stringify(payload)}`),
    paymentId: payment,
    orderId: order,
    occurredAt: options.at ?? T0,
    payload,
  }
}

const authorised = (amountMinor: number): PaymentEvent['payload'] => ({
  'dev.oxagry.payments.PaymentAuthorised': {
    amountMinor,
    currency: 'EUR' as CurrencyCode,
    authorisationCode: 'AUTH-1',
    expiresAt: null,
  },
})

function placed(
  order: OrderId,
  at: number,
  lines: readonly [quantity: number, unitPriceMinor: number][],
  options: { customer?: string; currency?: string } = {},
): OrderEvent {
  return {
    eventId: nameUuid(`placed:${order}`),
    orderId: order,
    occurredAt: at,
    payload: {
      'dev.oxagry.orders.OrderPlaced': {
        customerId: (options.customer ?? 'farm-1') as CustomerId,
        items: lines.map(([quantity, unitPriceMinor], i) => ({
          productId: `seed-${i}` as ProductId,
          warehouseId: 'wh-1' as WarehouseId,
          quantity,
          unitPriceMinor,
        })),
        currency: (options.currency ?? 'EUR') as CurrencyCode,
        deliveryLocation: { latitude: 52, longitude: 5, address: null },
        idempotencyKey: `key-${order}`,
      },
    },
  }
}

function cancelled(order: OrderId, at: number): OrderEvent {
  return {
    eventId: nameUuid(`cancelled:${order}`),
    orderId: order,
    occurredAt: at,
    payload: { 'dev.oxagry.orders.OrderCancelled': { reason: 'CUSTOMER_REQUEST', note: null } },
  }
}

test('PaymentAuthorised answers PAYMENT passed, keyed by order, with the derived validation id', (t) => {
  const { payments, out } = setup()
  const o = orderId(1)
  payments.pipeInput(o, paymentEvent(o, authorised(12_345), { at: T0 + 5 }), T0 + 9)
  const [answer] = out.readKeyValuesToList()
  t.is(answer?.key, o)
  t.deepEqual(
    { ...answer?.value },
    {
      validationId: nameUuid(`validation:${o}:PAYMENT`),
      orderId: o,
      check: 'PAYMENT',
      passed: true,
      reason: null,
      note: 'authorised 12345 EUR minor units, code AUTH-1',
      occurredAt: T0 + 5,
    },
  )
  t.true(out.isEmpty())
})

test("PaymentFailed answers PAYMENT failed with PAYMENT_FAILED and the provider's reason and message", (t) => {
  const { payments, out } = setup()
  const o = orderId(2)
  payments.pipeInput(
    o,
    paymentEvent(o, {
      'dev.oxagry.payments.PaymentFailed': { reason: 'DECLINED', message: 'card reported stolen' },
    }),
    T0,
  )
  const o2 = orderId(3)
  payments.pipeInput(
    o2,
    paymentEvent(o2, { 'dev.oxagry.payments.PaymentFailed': { reason: 'PROVIDER_ERROR', message: null } }),
    T0,
  )
  const answers = out.readValuesToList()
  t.deepEqual(
    answers.map((a) => [a.orderId, a.check, a.passed, a.reason, a.note]),
    [
      [o, 'PAYMENT', false, 'PAYMENT_FAILED', 'DECLINED: card reported stolen'],
      [o2, 'PAYMENT', false, 'PAYMENT_FAILED', 'PROVIDER_ERROR'],
    ],
  )
})

test('a replayed or duplicated payment event answers once; other steps answer nothing; a new payment answers again', (t) => {
  const { payments, out, driver } = setup()
  const o = orderId(4)
  const event = paymentEvent(o, authorised(100))
  payments.pipeInput(
    o,
    paymentEvent(o, {
      'dev.oxagry.payments.PaymentRequested': {
        amountMinor: 100,
        currency: 'EUR' as CurrencyCode,
        method: 'CARD',
      },
    }),
    T0,
  )
  payments.pipeInput(o, event, T0 + 1)
  payments.pipeInput(o, event, T0 + 2)
  // The same payment reported again under another event id (a provider's duplicate webhook).
  payments.pipeInput(o, paymentEvent(o, authorised(100), { step: 'again' }), T0 + 3)
  payments.pipeInput(
    o,
    paymentEvent(o, {
      'dev.oxagry.payments.PaymentCaptured': { amountMinor: 100, currency: 'EUR' as CurrencyCode },
    }),
    T0 + 4,
  )
  t.is(out.readValuesToList().length, 1)
  t.is(driver.droppedRecords().length, 2, 'each duplicate is counted as deliberately not answered')
  // A retry of the order's payment (a second payment id) is another answer.
  payments.pipeInput(o, paymentEvent(o, authorised(100), { payment: paymentId(o, 2) }), T0 + 5)
  t.is(out.readValuesToList().length, 1)
  t.truthy(driver.getKeyValueStore(PAYMENTS_STORES.answers).get(`${o}|${paymentId(o)}`))
})

test('fraud: the sliding hour counts the current order; above the limit fails with the spend and the limit', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const [a, b, c] = [orderId('f1'), orderId('f2'), orderId('f3')]
  orders.pipeInput(a, placed(a, T0, [[2, 300]]), T0)
  orders.pipeInput(b, placed(b, T0 + 10 * MIN, [[1, 400]]), T0 + 10 * MIN)
  // 600 + 400 = 1000: at the limit, not above it.
  orders.pipeInput(c, placed(c, T0 + 20 * MIN, [[1, 1]]), T0 + 20 * MIN)
  const answers = out.readKeyValuesToList()
  t.deepEqual(
    answers.map((r) => [r.key, r.value.check, r.value.passed, r.value.reason]),
    [
      [a, 'FRAUD', true, null],
      [b, 'FRAUD', true, null],
      [c, 'FRAUD', false, 'FRAUD_SUSPECTED'],
    ],
  )
  t.is(answers[2]?.value.validationId, nameUuid(`validation:${c}:FRAUD`))
  t.regex(answers[2]?.value.note ?? '', /spend 1001 EUR .* limit 1000/)
  t.is(answers[2]?.value.occurredAt, T0 + 20 * MIN)
})

test('fraud: a single order above the limit fails on its own (the current order counts)', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const a = orderId('big')
  orders.pipeInput(
    a,
    placed(a, T0, [
      [3, 200],
      [1, 401],
    ]),
    T0,
  )
  const [answer] = out.readValuesToList()
  t.false(answer?.passed)
  t.regex(answer?.note ?? '', /spend 1001 /)
})

test('fraud: cancelled orders no longer count, even though the cancellation carries no customer', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const [a, b] = [orderId('c1'), orderId('c2')]
  orders.pipeInput(a, placed(a, T0, [[1, 900]]), T0)
  orders.pipeInput(a, cancelled(a, T0 + MIN), T0 + MIN)
  orders.pipeInput(b, placed(b, T0 + 2 * MIN, [[1, 900]]), T0 + 2 * MIN)
  t.deepEqual(
    out.readValuesToList().map((v) => [v.orderId, v.passed]),
    [
      [a, true],
      [b, true],
    ],
  )
})

test('fraud: orders older than the hour (event time) drop out of the window and the stores', (t) => {
  const { orders, out, driver } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const [a, b, c] = [orderId('h1'), orderId('h2'), orderId('h3')]
  // Written late: event time, not the record time, decides.
  orders.pipeInput(a, placed(a, T0, [[1, 900]]), T0 + 5 * HOUR)
  orders.pipeInput(b, placed(b, T0 + HOUR + 1, [[1, 900]]), T0 + 5 * HOUR)
  // Exactly an hour after b: b is still in the window [t - 1 h, t].
  orders.pipeInput(c, placed(c, T0 + 2 * HOUR + 1, [[1, 200]]), T0 + 5 * HOUR)
  t.deepEqual(
    out.readValuesToList().map((v) => [v.orderId, v.passed]),
    [
      [a, true],
      [b, true],
      [c, false],
    ],
  )
  const spend = driver.getKeyValueStore<string, { orders: { orderId: string }[] }>(PAYMENTS_STORES.fraudSpend)
  t.deepEqual(
    spend.get('farm-1|EUR')?.orders.map((o) => o.orderId),
    [b, c],
    'the order older than the hour is pruned',
  )
  t.is(driver.getKeyValueStore(PAYMENTS_STORES.fraudOrders).get(a), undefined)
})

test('fraud: an event time far ahead of its record (a wrong clock) does not move the window on', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const [a, wrong, b] = [orderId('w1'), orderId('w2'), orderId('w3')]
  orders.pipeInput(a, placed(a, T0, [[1, 900]]), T0)
  orders.pipeInput(wrong, placed(wrong, T0 + 24 * HOUR, [[1, 1]]), T0 + MIN)
  orders.pipeInput(b, placed(b, T0 + 2 * MIN, [[1, 200]]), T0 + 2 * MIN)
  t.deepEqual(
    out.readValuesToList().map((v) => [v.orderId, v.passed]),
    [
      [a, true],
      [wrong, true],
      [b, false],
    ],
    'a is still counted when b comes',
  )
})

test('fraud: each currency and each customer has its own spend and limit', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000, limitsMinor: { SEK: 10_000 } } })
  const ids = ['e1', 'e2', 's1', 's2', 'o1'].map(orderId)
  const [e1, e2, s1, s2, o1] = ids as [OrderId, OrderId, OrderId, OrderId, OrderId]
  orders.pipeInput(e1, placed(e1, T0, [[1, 900]]), T0)
  orders.pipeInput(s1, placed(s1, T0 + 1, [[1, 900]], { currency: 'SEK' }), T0 + 1)
  orders.pipeInput(o1, placed(o1, T0 + 2, [[1, 900]], { customer: 'farm-2' }), T0 + 2)
  orders.pipeInput(s2, placed(s2, T0 + 3, [[1, 5_000]], { currency: 'SEK' }), T0 + 3)
  orders.pipeInput(e2, placed(e2, T0 + 4, [[1, 200]]), T0 + 4)
  t.deepEqual(
    out.readValuesToList().map((v) => [v.orderId, v.passed]),
    [
      [e1, true],
      [s1, true],
      [o1, true],
      [s2, true],
      [e2, false],
    ],
  )
})

test('fraud: invalid orders are answered (passed, not counted); a retried placement is not counted twice', (t) => {
  const { orders, out } = setup({ fraud: { defaultLimitMinor: 1_000 } })
  const [empty, negative, a, b] = [orderId('i1'), orderId('i2'), orderId('i3'), orderId('i4')]
  orders.pipeInput(empty, placed(empty, T0, []), T0)
  orders.pipeInput(negative, placed(negative, T0, [[-5, 100_000]]), T0)
  orders.pipeInput(a, placed(a, T0 + 1, [[1, 600]]), T0 + 1)
  orders.pipeInput(a, placed(a, T0 + 1, [[1, 600]]), T0 + 2)
  orders.pipeInput(b, placed(b, T0 + 3, [[1, 400]]), T0 + 3)
  const answers = out.readValuesToList()
  t.deepEqual(
    answers.map((v) => [v.orderId, v.passed]),
    [
      [empty, true],
      [negative, true],
      [a, true],
      [a, true],
      [b, true],
    ],
  )
  t.regex(answers[0]?.note ?? '', /no lines/)
  t.regex(answers[1]?.note ?? '', /line 1: quantity -5/)
  t.is(answers[2]?.validationId, answers[3]?.validationId, 'the retry answers again with the same id')
})

test('fraud goes through a repartition by customer and currency, and the topology describes two fraud sub-topologies', (t) => {
  const { orders, driver } = setup()
  const a = orderId('r1')
  orders.pipeInput(a, placed(a, T0, [[1, 1]]), T0)
  t.true(driver.producedTopicNames().has('payments-test-fraud-by-customer-repartition'))
  const description = buildPaymentsTopology({ serdes }).describe().toString()
  t.regex(description, /Sub-topology: 2/)
})
