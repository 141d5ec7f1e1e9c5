import { randomUUID } from 'node:crypto'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { RdKafkaBackend } from './backend.ts'
import { rdkafkaAvailable } from './client.ts'

/** A topic of its own and a member of a group of its own, once it was given the topic's partitions. */
async function member(t: { teardown(fn: () => unknown): void }, partitions: number) {
  const backend = new RdKafkaBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 })
  t.teardown(() => backend.close())
  const topic = `commit-${randomUUID().slice(0, 8)}`
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions, config: {} }])
  await admin.close()
  const consumer = backend.consumer({ groupId: topic, clientId: 'commit', readCommitted: true })
  let assigned!: () => void
  const ready = new Promise<void>((resolve) => (assigned = resolve))
  await consumer.run([topic], {
    onAssigned: async () => assigned(),
    onRevoked: async () => {},
    eachBatch: async () => {},
  })
  t.teardown(() => consumer.stop())
  await ready
  return { topic, consumer }
}

if (rdkafkaAvailable()) {
  const test = await integrationTest('kafka')
  test('a commit leaves the event loop free while the coordinator answers, and is durable once it resolves', async (t) => {
    const { topic, consumer } = await member(t, 2)
    for (let offset = 1; offset <= 5; offset++) {
      // A commit held on the event loop resolves before anything queued behind it gets to run.
      let loopRan = false
      setImmediate(() => (loopRan = true))
      await consumer.commit([
        { topic, partition: 0, offset: String(offset) },
        { topic, partition: 1, offset: String(offset * 10) },
      ])
      t.true(loopRan, `commit ${offset}: the event loop ran while the coordinator answered`)
      const committed = await consumer.committed([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ])
      t.deepEqual(
        [...committed.values()],
        [String(offset), String(offset * 10)],
        `commit ${offset} is durable once it resolved`,
      )
    }
  })

  test('a commit the coordinator refuses (a partition the topic does not have) fails as a typed error', async (t) => {
    const { topic, consumer } = await member(t, 1)
    const error = await t.throwsAsync(consumer.commit([{ topic, partition: 7, offset: '3' }]))
    t.regex(error?.message ?? '', /committing offsets/)
  })
}
