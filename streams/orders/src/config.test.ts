import test from 'ava'
import { ORDERS_ERROR_CODES, OrdersError } from './errors.ts'
import { readOrdersEnv } from './config.ts'
import { resolveOrdersOptions } from './options.ts'

test('the environment is read once with the local stack as default, time-outs in milliseconds', (t) => {
  const env = readOrdersEnv({ ORDERS_VALIDATION_TIMEOUT_MS: '5000' })
  t.is(env.applicationId, 'oxagry-orders')
  t.is(env.processingGuarantee, 'exactly_once')
  t.is(env.kafkaClient, 'kafkajs')
  t.is(env.timeouts.validationTimeoutMs, 5000)
  t.is(env.timeouts.paymentDeadlineMs, 600_000)
})

test('every bad variable is reported at once, with a typed error', (t) => {
  const error = t.throws(
    () =>
      readOrdersEnv({
        ORDERS_PAYMENT_DEADLINE_MS: 'soon',
        PROCESSING_GUARANTEE: 'maybe',
        ORDERS_HTTP_PORT: '70000',
        KAFKA_CLIENT: 'java',
      }),
    { instanceOf: OrdersError },
  )
  t.is(error?.code, ORDERS_ERROR_CODES.INVALID_OPTIONS)
  for (const name of [
    'ORDERS_PAYMENT_DEADLINE_MS',
    'PROCESSING_GUARANTEE',
    'ORDERS_HTTP_PORT',
    'KAFKA_CLIENT',
  ])
    t.regex(error?.message ?? '', new RegExp(name))
})

test('NUM_STANDBY_REPLICAS is read at the boundary: a count, or a typed error naming it', (t) => {
  t.is(readOrdersEnv({}).numStandbyReplicas, 0)
  t.is(readOrdersEnv({ NUM_STANDBY_REPLICAS: '2' }).numStandbyReplicas, 2)
  const error = t.throws(() => readOrdersEnv({ NUM_STANDBY_REPLICAS: '-1' }), { instanceOf: OrdersError })
  t.is(error?.code, ORDERS_ERROR_CODES.INVALID_OPTIONS)
  t.is(error?.context.path, 'NUM_STANDBY_REPLICAS')
})

test('a reservation that could lapse before its order is decided is refused at the boundary', (t) => {
  const error = t.throws(
    () =>
      resolveOrdersOptions({
        serdes: {} as never,
        timeouts: { paymentDeadlineMs: 600_000, reservationTtlMs: 60_000 },
      }),
    { instanceOf: OrdersError },
  )
  t.is(error?.context.path, 'timeouts.reservationTtlMs')
})
