import test from 'ava'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { call, disconnect, rdkafkaError } from './client.ts'

const librdkafka = (message: string, code: number): Error => Object.assign(new Error(message), { code })

test('a broker that is away is retriable: a delivery that timed out, a transport failure, all brokers down', (t) => {
  for (const [message, code] of [
    ['Local: Message timed out', -192],
    ['Local: Broker transport failure', -195],
    ['Local: All broker connections are down', -187],
  ] as const) {
    const error = rdkafkaError('producing', librdkafka(message, code))
    t.is(error.code, KAFKA_ERROR_CODES.BROKER)
    t.true(error.retriable, message)
  }
  t.false(rdkafkaError('producing', librdkafka('Broker: Message size too large', 10)).retriable)
})

test('a native call whose callback never comes fails as a retriable timeout naming what was asked', async (t) => {
  const started = Date.now()
  const error = await t.throwsAsync(
    call('committing the transaction', () => {}, 50),
    { instanceOf: KafkaError },
  )
  t.true(Date.now() - started >= 45)
  t.is(error.code, KAFKA_ERROR_CODES.BROKER)
  t.true(error.retriable)
  t.regex(error.message, /^committing the transaction: librdkafka did not answer within 50 ms/)
})

test('a native call answered in time settles with its answer, and a failure names what was asked', async (t) => {
  t.is(await call<number>('reading', (done) => setTimeout(() => done(null, 7), 5), 1000), 7)
  const error = await t.throwsAsync(call('reading', (done) => done(librdkafka('Broker: Not authorized', 29))))
  t.regex(error?.message ?? '', /^reading: /)
})

test('a disconnect that never answers is given up after its bound, with a warning', async (t) => {
  const warnings: string[] = []
  const onWarning = (warning: Error & { code?: string }): void => void warnings.push(warning.code ?? '')
  process.on('warning', onWarning)
  try {
    let asked = 0
    const client = { isConnected: () => true, disconnect: () => void asked++ }
    const started = Date.now()
    await disconnect(client as never, 50)
    t.is(asked, 1)
    t.true(Date.now() - started >= 45)
    await new Promise((resolve) => setImmediate(resolve))
    t.deepEqual(warnings, ['OXA_KAFKA_DISCONNECT'])
  } finally {
    process.off('warning', onWarning)
  }
})
