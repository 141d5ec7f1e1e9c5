import test from 'ava'
import { Kafka, logLevel } from 'kafkajs'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { tpKey } from '../types.ts'
import { KafkaJsReader } from './reader.ts'

test('a read or a follow with the broker away fails with a typed retriable broker error, never a raw kafkajs one', async (t) => {
  // A real kafkajs client against a port nothing listens on.
  const kafka = new Kafka({
    clientId: 'unreachable',
    brokers: ['127.0.0.1:1'],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 500,
  })
  const reader = new KafkaJsReader(kafka, 'unreachable', true)
  const partitions = [{ topic: 't', partition: 0, offset: '0' }]
  for (const attempt of [
    () => reader.read(partitions, new Map([[tpKey('t', 0), '5']]), async () => {}),
    () => reader.follow(partitions, async () => {}),
  ]) {
    const error = await t.throwsAsync(attempt(), { instanceOf: KafkaError })
    t.is(error?.code, KAFKA_ERROR_CODES.BROKER)
    t.true(error?.retriable)
    t.regex(error?.message ?? '', /^reading t-0: /)
  }
})
