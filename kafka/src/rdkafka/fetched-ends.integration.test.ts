import { randomUUID } from 'node:crypto'
import anyTest from 'ava'
import { integrationTest, kafkaBrokers, servicesRequired } from '@oxagry/testkit'
import { tpKey, type BrokerRecord, type ProducedRecord } from '../types.ts'
import { RdKafkaBackend } from './backend.ts'
import { rdkafkaAvailable } from './client.ts'

const record = (topic: string, value: string): ProducedRecord => ({
  topic,
  partition: 0,
  key: null,
  value: Buffer.from(value),
  timestamp: Date.now(),
  headers: {},
})

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

if (rdkafkaAvailable()) {
  const test = await integrationTest('kafka')
  test('a read_committed member reports the last stable offset its fetch reached, and a new one after the log grows', async (t) => {
    const backend = new RdKafkaBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 })
    t.teardown(() => backend.close())
    const id = randomUUID().slice(0, 8)
    const topic = `fetched-ends-${id}`
    const admin = await backend.admin()
    await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
    await admin.close()
    const producer = await backend.producer({
      clientId: 'fetched-ends',
      transactionalId: `fetched-ends-${id}`,
    })
    t.teardown(() => producer.close())
    await producer.beginTransaction()
    await producer.send([record(topic, 'a'), record(topic, 'b')])
    await producer.commitTransaction() // a@0, b@1, marker@2
    await producer.beginTransaction()
    await producer.send([record(topic, 'open')]) // open@3: the last stable offset stays 3

    const consumer = backend.consumer({
      groupId: `fetched-ends-${id}`,
      clientId: 'fetched-ends',
      readCommitted: true,
    })
    const records: BrokerRecord[] = []
    await consumer.run([topic], {
      onAssigned: async () => {},
      onRevoked: async () => {},
      eachBatch: async (batch) => void records.push(...batch.records),
    })
    t.teardown(() => consumer.stop())
    const partition = [{ topic, partition: 0 }]
    const key = tpKey(topic, 0)
    t.truthy(consumer.fetchedEnds, 'the librdkafka consumer reports its fetched ends')
    const first = await until(
      () => consumer.fetchedEnds?.(partition).get(key),
      'the end of the committed records',
    )
    t.deepEqual(
      records.map((r) => r.value?.toString()),
      ['a', 'b'],
    )
    t.is(first, '3', 'the last stable offset: the open transaction is not waited for')

    await producer.commitTransaction() // open@3, marker@4
    const second = await until(() => {
      const end = consumer.fetchedEnds?.(partition).get(key)
      return end === '5' ? end : undefined
    }, 'the end after the transaction committed')
    t.is(second, '5')
    t.deepEqual(
      records.map((r) => r.value?.toString()),
      ['a', 'b', 'open'],
    )
  })
} else if (servicesRequired()) {
  anyTest('the librdkafka consumer reports its fetched ends', (t) => {
    t.fail('node-rdkafka is not installed: its native build failed during npm ci')
  })
} else {
  anyTest.skip(
    'the librdkafka consumer reports its fetched ends [skipped: node-rdkafka is not installed]',
    () => {},
  )
}
