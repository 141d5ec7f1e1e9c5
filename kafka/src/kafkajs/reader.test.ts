import test from 'ava'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import { tpKey } from '../types.ts'
import { KafkaJsReader } from './reader.ts'
import { unreachableKafka } from './unreachable-fixture.ts'

test('a read or a follow with the broker away fails with a typed retriable broker error, never a raw kafkajs one', async (t) => {
  const kafka = unreachableKafka()
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
