import { randomUUID } from 'node:crypto'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')

// Exactly-once tasks write into the same output partitions from one producer each, so aborted
// transactions interleave. kafkajs 2.2.4 entered at most one aborted transaction per message and
// expected the broker's list sorted by first offset: a transaction that began before another but was
// aborted after it leaked its first records to read_committed readers (the project patches it; see
// patches/). This reads such a partition as the backend's consumers and readers do, through kafkajs.
test('read_committed skips every aborted transaction, however they interleave', async (t) => {
  const topic = `it-read-committed-${randomUUID().slice(0, 8)}`
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING })
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers() })
  const admin = await backend.admin()
  t.teardown(() => admin.close())
  // The backend's create tolerates a broker still settling the topic's metadata (a fresh one may).
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  const producers: Producer[] = []
  t.teardown(async () => {
    await Promise.all(producers.map((p) => p.disconnect()))
  })
  const producer = async (id: string): Promise<Producer> => {
    const p = kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 })
    producers.push(p)
    await p.connect()
    return p
  }
  const [a, b, c] = await Promise.all([producer('a'), producer('b'), producer('c')])
  const send = (txn: { send: typeof a.send }, value: string) =>
    txn.send({ topic, messages: [{ key: value, value, partition: 0 }] })
  const ta = await a.transaction()
  await send(ta, 'a0')
  const tb = await b.transaction()
  await send(tb, 'b1')
  await send(ta, 'a2')
  await tb.abort() // aborted first, though it began second
  await ta.abort()
  const tc = await c.transaction()
  await send(tc, 'c3')
  await tc.commit()
  // A read_committed consumer reads the partition until the committed record arrives.
  const values: string[] = []
  const consumer = kafka.consumer({
    groupId: `${topic}-reader`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  })
  t.teardown(() => consumer.disconnect())
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no committed record within 30 s; read ${values}`)),
      30_000,
    )
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '')
        if (message.value?.toString() === 'c3') {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  t.deepEqual(values, ['c3'])
})
