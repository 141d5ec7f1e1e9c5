import { randomUUID } from 'node:crypto'
import {
  KafkaJsBackend,
  tpKey,
  type BackendConsumer,
  type BrokerRecord,
  type ProducedRecord,
} from '@oxagry/kafka'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'

const test = await integrationTest('kafka')
const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: 'smoke' })
test.after(() => backend.close())

async function newTopic(partitions = 1): Promise<string> {
  const topic = `smoke.${randomUUID()}`
  const admin = await backend.admin()
  try {
    await admin.createTopics([{ name: topic, partitions, config: {} }])
  } finally {
    await admin.close()
  }
  return topic
}

const record = (topic: string, text: string, key: string | null = null): ProducedRecord => ({
  topic,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(text),
  timestamp: Date.now(),
  headers: {},
})

/** Runs a group member over the topic until `count` records arrived; commits each batch it got. */
async function consume(consumer: BackendConsumer, topic: string, count: number): Promise<BrokerRecord[]> {
  const received: BrokerRecord[] = []
  await consumer.run([topic], {
    onRevoked: async () => {},
    onAssigned: async () => {},
    eachBatch: async (batch) => {
      received.push(...batch.records)
      const last = batch.records.at(-1)
      if (last !== undefined)
        await consumer.commit([
          { topic, partition: batch.partition, offset: String(Number(last.offset) + 1) },
        ])
    },
  })
  await eventually(async () => (received.length >= count ? true : undefined), {
    what: `${count} records`,
    timeoutMs: 20_000,
    state: () => received.length,
  })
  return received
}

test('a consumer group reads what a producer wrote, and its commit is remembered', async (t) => {
  const topic = await newTopic(3)
  const groupId = `smoke-${randomUUID()}`
  const producer = await backend.producer({ clientId: 'smoke-producer' })
  const sent = Array.from({ length: 30 }, (_, i) => `v${i}`)
  await producer.send(sent.map((text, i) => record(topic, text, `k${i % 5}`)))
  await producer.close()

  const consumer = backend.consumer({ groupId, clientId: 'smoke-consumer', readCommitted: false })
  const received = await consume(consumer, topic, sent.length)
  await consumer.stop()
  t.deepEqual(received.map((r) => r.value?.toString()).sort(), [...sent].sort())

  const reader = backend.consumer({ groupId, clientId: 'smoke-offsets', readCommitted: false })
  const offsets = await reader.committed([0, 1, 2].map((partition) => ({ topic, partition })))
  const committed = [0, 1, 2].reduce((sum, p) => sum + Number(offsets.get(tpKey(topic, p)) ?? 0), 0)
  t.is(committed, sent.length)
})

test('a read_committed consumer sees a committed transaction and not an aborted one', async (t) => {
  const topic = await newTopic()
  const producer = await backend.producer({ clientId: 'smoke-txn', transactionalId: `smoke-${randomUUID()}` })
  const transaction = async (texts: string[], commit: boolean): Promise<void> => {
    await producer.beginTransaction()
    await producer.send(texts.map((text) => record(topic, text)))
    await (commit ? producer.commitTransaction() : producer.abortTransaction())
  }
  await transaction(['committed-1', 'committed-2'], true)
  await transaction(['aborted'], false)
  await transaction(['committed-3'], true)
  await producer.close()

  const consumer = backend.consumer({
    groupId: `smoke-${randomUUID()}`,
    clientId: 'smoke-rc',
    readCommitted: true,
  })
  const received = await consume(consumer, topic, 3)
  await consumer.stop()
  t.deepEqual(
    received.map((r) => r.value?.toString()),
    ['committed-1', 'committed-2', 'committed-3'],
  )
})
