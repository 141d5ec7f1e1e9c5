import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { prefixedTopics } from './e2e.ts'
import { createInventorySerdes } from './serdes.ts'
import { deadLetterEnvelope } from './service.ts'

test("the runtime's dead letters are the catalogue's DeadLetter envelope, with a replay-stable id", async (t) => {
  const topics = prefixedTopics('unit')
  const serdes = await createInventorySerdes(new InMemorySchemaRegistry(), topics, { autoRegister: true })
  const format = deadLetterEnvelope(serdes.deadLetter, topics.deadLetters)
  const failure = {
    stage: 'deserialization' as const,
    code: 'OXA_AVRO_UNKNOWN_SCHEMA_ID',
    message: 'schema 99 is not registered',
    applicationId: 'inventory',
    record: {
      topic: topics.commands,
      partition: 1,
      offset: '17',
      key: Buffer.from('SEED-WHEAT-25KG|wh-north'),
      value: Buffer.from([0, 0, 0, 0, 99, 1, 2]),
      timestamp: 1_700_000_000_000,
      headers: {},
    },
  }
  const first = await format(failure)
  const again = await format(failure)
  t.deepEqual(first.value, again.value, 'the same source record gives the same envelope')
  t.is(first.key?.toString(), `${topics.commands}:1:17`)
  const envelope = await serdes.deadLetter.deserialize(topics.deadLetters, first.value as Buffer, {})
  t.is(envelope.stage, 'DESERIALIZATION')
  t.is(envelope.application, 'inventory')
  t.is(envelope.errorCode, 'OXA_AVRO_UNKNOWN_SCHEMA_ID')
  t.is(envelope.sourceOffset, 17)
  t.deepEqual(envelope.key, Buffer.from('SEED-WHEAT-25KG|wh-north'))
  t.deepEqual(envelope.value, Buffer.from([0, 0, 0, 0, 99, 1, 2]))
})
