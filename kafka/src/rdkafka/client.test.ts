import test from 'ava'
import { KAFKA_ERROR_CODES } from '../errors.ts'
import { rdkafkaError } from './client.ts'

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
