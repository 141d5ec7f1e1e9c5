import test from 'ava'
import { Contracts, InMemorySchemaRegistry, createAvroSerde, type DeadLetter } from '@oxagry/avro'
import type { BrokerRecord } from '@oxagry/kafka'
import { deadLetterIdOf, deadLetterRecord } from './dead-letter.ts'
import { permanentError } from './errors.ts'

const DLQ = 'fleet.dead-letters.v1'
const record = (offset: string): BrokerRecord => ({
  topic: 'fleet.machine-pings.v1',
  partition: 2,
  offset,
  key: Buffer.from('MF-1'),
  value: Buffer.from('garbage'),
  timestamp: 1000,
  headers: {},
})

test('a record dead-lettered again after a replay keeps its dead-letter id', async (t) => {
  const serde = await createAvroSerde({
    registry: new InMemorySchemaRegistry(),
    contract: Contracts.DeadLetter,
    autoRegister: true,
    topics: [DLQ],
  })
  const options = { topic: DLQ, serializer: serde }
  const letter = async (offset: string, now: number) => {
    const produced = await deadLetterRecord(options, record(offset), 'OTHER', permanentError('refused'), {
      sink: 'clickhouse-pings',
      target: 'clickhouse:fleet',
      now,
    })
    return (await serde.deserialize(DLQ, produced.value!, produced.headers)) as DeadLetter
  }
  const first = await letter('41', 1000)
  const replayed = await letter('41', 9000)
  t.is(replayed.deadLetterId, first.deadLetterId)
  t.not((await letter('42', 1000)).deadLetterId, first.deadLetterId)
  t.regex(first.deadLetterId, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test('the dead-letter id names the group too: two sinks giving up on one record make two letters', (t) => {
  t.not(deadLetterIdOf('sink-a', record('7')), deadLetterIdOf('sink-b', record('7')))
  t.is(deadLetterIdOf('sink-a', record('7')), deadLetterIdOf('sink-a', record('7')))
})
