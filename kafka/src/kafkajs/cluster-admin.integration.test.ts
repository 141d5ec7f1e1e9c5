import { randomUUID } from 'node:crypto'
import { eventually, integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { KafkaError } from '../errors.ts'
import { KafkaJsBackend } from './backend.ts'
import { connectClusterAdmin } from './cluster-admin.ts'

const test = await integrationTest('kafka')
const brokers = kafkaBrokers()

test('groups: described with their members, offsets committed from outside while empty and read back; offsets by position', async (t) => {
  const id = randomUUID().slice(0, 8)
  const topic = `it-cluster-admin-${id}`
  const groupId = `it-cluster-admin-${id}`
  const admin = await connectClusterAdmin({ brokers }, { clientId: 'it-cluster-admin' })
  const backend = new KafkaJsBackend({ brokers, clientId: 'it-cluster-admin' })
  try {
    await admin.createTopic({ name: topic, partitions: 2, replicationFactor: 1, config: {} })
    const producer = await backend.producer({ clientId: 'it-cluster-admin-producer' })
    const base = Date.now() - 60_000
    await producer.send(
      [0, 1, 2, 3].map((i) => ({
        topic,
        partition: 0,
        key: null,
        value: Buffer.from(String(i)),
        timestamp: base + i * 1000,
        headers: {},
      })),
    )
    await producer.close()

    t.deepEqual(
      await admin.offsetsAt(topic, { kind: 'earliest' }),
      new Map([
        [0, '0'],
        [1, '0'],
      ]),
    )
    t.deepEqual(
      await admin.offsetsAt(topic, { kind: 'latest' }),
      new Map([
        [0, '4'],
        [1, '0'],
      ]),
    )
    t.deepEqual(
      await admin.offsetsAt(topic, { kind: 'timestamp', timestamp: base + 1500 }),
      new Map([
        [0, '2'],
        [1, '0'],
      ]),
      'the first record at or after the time; the end where every record is older',
    )

    t.deepEqual(await admin.describeGroup(groupId), { groupId, state: 'Dead', members: [] })
    t.deepEqual(await admin.groupOffsets(groupId), [])
    await admin.setGroupOffsets(groupId, [
      { topic, partition: 0, offset: '3' },
      { topic, partition: 1, offset: '0' },
    ])
    t.deepEqual(await admin.groupOffsets(groupId), [
      { topic, partition: 0, offset: '3' },
      { topic, partition: 1, offset: '0' },
    ])
    t.like(await admin.describeGroup(groupId), { state: 'Empty', members: [] })

    const consumer = backend.consumer({ groupId, clientId: 'it-cluster-admin-member', readCommitted: false })
    let assigned = false
    await consumer.run([topic], {
      onRevoked: async () => {},
      onAssigned: async () => {
        assigned = true
      },
      eachBatch: async () => {},
    })
    try {
      await eventually(async () => (assigned ? true : undefined), {
        what: 'an assignment',
        timeoutMs: 30_000,
      })
      const running = await admin.describeGroup(groupId)
      t.is(running.state, 'Stable')
      t.is(running.members.length, 1)
      t.is(running.members[0]?.clientId, 'it-cluster-admin-member')
      t.truthy(running.members[0]?.host)
      const refused = await t.throwsAsync(
        admin.setGroupOffsets(groupId, [{ topic, partition: 0, offset: '0' }]),
        {
          instanceOf: KafkaError,
        },
      )
      t.regex(refused?.message ?? '', /setting the offsets of group/)
    } finally {
      await consumer.stop()
    }
  } finally {
    await admin.deleteTopic(topic).catch(() => {})
    await backend.close()
    await admin.close()
  }
})
