import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')

/** The broker's smallest session timeout by default (group.min.session.timeout.ms). */
const SESSION_TIMEOUT_MS = 6_000

test('a member working on one batch for longer than its session timeout keeps its partitions', async (t) => {
  const topic = `it-heartbeat-${randomUUID().slice(0, 8)}`
  const groupId = `it-heartbeat-${randomUUID().slice(0, 8)}`
  const backend = new KafkaJsBackend({
    brokers: kafkaBrokers(),
    clientId: 'it-heartbeat',
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
  })
  t.teardown(() => backend.close())
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  await admin.close()
  const producer = await backend.producer({ clientId: 'it-heartbeat-producer' })
  await producer.send([{ topic, key: null, value: Buffer.from('x'), timestamp: Date.now(), headers: {} }])

  const consumer = backend.consumer({ groupId, clientId: 'it-heartbeat-consumer', readCommitted: false })
  let assignments = 0
  let revocations = 0
  let handled: Promise<void> | undefined
  await consumer.run([topic], {
    onRevoked: async () => void revocations++,
    onAssigned: async () => void assignments++,
    eachBatch: (batch) =>
      (handled ??= (async () => {
        // Work that waits (a slow write, a restore) past the session timeout, then commits.
        await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS + 4_000))
        const last = batch.records.at(-1)!
        await consumer.commit([{ topic, partition: 0, offset: String(Number(last.offset) + 1) }])
      })()),
  })
  await eventually(async () => (handled === undefined ? undefined : true), {
    what: 'the batch',
    timeoutMs: 30_000,
  })
  await t.notThrowsAsync(
    handled!,
    'the commit after the long batch is taken: the member is still in its group',
  )
  t.is(revocations, 0, 'no rebalance took the partition away')
  t.is(assignments, 1)
  t.deepEqual(await consumer.committed([{ topic, partition: 0 }]), new Map([[`${topic}:0`, '1']]))
  await consumer.stop()
})
