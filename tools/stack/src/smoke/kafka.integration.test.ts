import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type Consumer } from 'kafkajs'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'

const test = await integrationTest('kafka')
const kafka = new Kafka({ clientId: 'smoke', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING })

async function newTopic(partitions = 1): Promise<string> {
  const topic = `smoke.${randomUUID()}`
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
  return topic
}

/** Consumes until `count` values arrived or the deadline passed; returns what arrived. */
async function consume(
  consumer: Consumer,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<string[]> {
  const values: string[] = []
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '')
        if (values.length >= count) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  return values
}

test('a consumer group reads what a producer wrote, and its commit is remembered', async (t) => {
  const topic = await newTopic(3)
  const groupId = `smoke-${randomUUID()}`
  const producer = kafka.producer()
  await producer.connect()
  const sent = Array.from({ length: 30 }, (_, i) => `v${i}`)
  await producer.send({ topic, messages: sent.map((value, i) => ({ key: `k${i % 5}`, value })) })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  const received = await consume(consumer, topic, sent.length)
  await consumer.disconnect()
  t.deepEqual([...received].sort(), [...sent].sort())

  const admin = kafka.admin()
  await admin.connect()
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  await admin.disconnect()
  const committed = (offsets?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0)
  t.is(committed, sent.length)
})

test('a read_committed consumer sees a committed transaction and not an aborted one', async (t) => {
  const topic = await newTopic()
  const producer = kafka.producer({
    transactionalId: `smoke-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  })
  await producer.connect()
  const committed = await producer.transaction()
  await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] })
  await committed.commit()
  const aborted = await producer.transaction()
  await aborted.send({ topic, messages: [{ value: 'aborted' }] })
  await aborted.abort()
  const marker = await producer.transaction()
  await marker.send({ topic, messages: [{ value: 'committed-3' }] })
  await marker.commit()
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}`, readUncommitted: false })
  await consumer.connect()
  const received = await consume(consumer, topic, 3)
  await consumer.disconnect()
  t.deepEqual(received, ['committed-1', 'committed-2', 'committed-3'])
})
