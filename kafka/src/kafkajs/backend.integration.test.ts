import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { Kafka, logLevel } from 'kafkajs'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')
const raw = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING })

test('each client joins under the client id its owner gave it, and close() closes what owners left open', async (t) => {
  const topic = `it-backend-${randomUUID().slice(0, 8)}`
  const groupId = `it-backend-${randomUUID().slice(0, 8)}`
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: 'it-default' })
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  await admin.close()

  const consumer = backend.consumer({ groupId, clientId: 'it-named-consumer', readCommitted: false })
  const producer = await backend.producer({ clientId: 'it-named-producer' })
  let assigned = false
  await consumer.run([topic], {
    onRevoked: async () => {},
    onAssigned: async () => {
      assigned = true
    },
    eachBatch: async () => {},
  })
  await eventually(async () => (assigned ? true : undefined), { what: 'an assignment', timeoutMs: 30_000 })

  const inspector = raw.admin()
  await inspector.connect()
  t.teardown(() => inspector.disconnect())
  const members = async (): Promise<string[]> =>
    (await inspector.describeGroups([groupId])).groups[0]?.members.map((m) => m.clientId) ?? []
  t.deepEqual(await members(), ['it-named-consumer'])

  // Neither the consumer nor the producer was closed by its owner: the backend closes both.
  await backend.close()
  t.deepEqual(await members(), [], 'the consumer left its group')
  await t.throwsAsync(
    producer.send([{ topic, key: null, value: Buffer.from('x'), timestamp: Date.now(), headers: {} }]),
  )
})
