import test from 'ava'
import { Contracts, createAvroSerde, InMemorySchemaRegistry } from '@oxagry/avro'
import { deadLetterFormatter, type RecordFailure } from './dead-letters.ts'

const TOPIC = 'unit.dead-letters.v1'

const failure: RecordFailure = {
  stage: 'deserialization',
  code: 'OXA_AVRO_UNKNOWN_SCHEMA_ID',
  message: 'schema 99 is not registered',
  applicationId: 'inventory',
  record: {
    topic: 'inventory.stock-commands.v1',
    partition: 1,
    offset: '17',
    key: Buffer.from('SEED-WHEAT-25KG|wh-north'),
    value: Buffer.from([0, 0, 0, 0, 99, 1, 2]),
    timestamp: 1_700_000_000_000,
    headers: { traceparent: Buffer.from('00-abc') },
  },
}

test("a runtime failure becomes the catalogue's DeadLetter envelope with the record's bytes and the reason, and a replay gives the same one", async (t) => {
  const serde = await createAvroSerde({
    registry: new InMemorySchemaRegistry(),
    autoRegister: true,
    contract: Contracts.DeadLetter,
    topics: [TOPIC],
  })
  const format = deadLetterFormatter(serde, TOPIC)
  const first = await format(failure)
  const again = await format(failure)
  t.deepEqual(first.value, again.value, 'the same source record gives the same envelope')
  t.is(first.key.toString(), 'inventory.stock-commands.v1:1:17')
  const envelope = await serde.deserialize(TOPIC, first.value, {})
  t.like(envelope, {
    stage: 'DESERIALIZATION',
    application: 'inventory',
    errorCode: 'OXA_AVRO_UNKNOWN_SCHEMA_ID',
    errorMessage: 'schema 99 is not registered',
    sourceTopic: 'inventory.stock-commands.v1',
    sourcePartition: 1,
    sourceOffset: 17,
    sourceTimestamp: 1_700_000_000_000,
    retriable: false,
  })
  t.deepEqual(envelope.key, failure.record.key)
  t.deepEqual(envelope.value, failure.record.value)
  t.deepEqual(envelope.headers, failure.record.headers)

  const processing = await format({ ...failure, stage: 'processing', applicationId: 'payments' })
  const other = await serde.deserialize(TOPIC, processing.value, {})
  t.is(other.stage, 'PROCESSING')
  t.not(
    other.deadLetterId,
    envelope.deadLetterId,
    'another application failing on the record is another dead letter',
  )
})
