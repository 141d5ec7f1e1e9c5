import { randomUUID } from 'node:crypto'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { Kafka, logLevel } from 'kafkajs'
import { KAFKA_ERROR_CODES, KafkaError } from '../errors.ts'
import type { GroupMembers } from '../group-members.ts'
import { tpKey } from '../types.ts'
import { KafkaJsBackend } from './backend.ts'
import type { GroupMember } from './consumer.ts'
import { KafkaJsProducer } from './producer.ts'

const test = await integrationTest('kafka')

// Exactly-once per thread (Kafka Streams' exactly_once_v2) fences a member the group has moved past by
// its group metadata: kafkajs 2.2.4 sent transactional offsets without it (TxnOffsetCommit v0-v1); the
// install patch adds v3 and the member's generation and id. This asks the real coordinator.
test('transactional offsets carry the member: its own are committed; a stale generation or an unknown member is refused as a rebalance', async (t) => {
  const topic = `it-group-metadata-${randomUUID().slice(0, 8)}`
  const group = `${topic}-group`
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 })
  t.teardown(() => backend.close())
  t.is(backend.transactionalIds, 'per-thread')
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  await admin.close()

  let member: GroupMember | undefined
  let owned = false
  const consumer = backend.consumer({ groupId: group, clientId: `${topic}-member`, readCommitted: true })
  await consumer.run([topic], {
    onAssigned: async (_added, assignment) => void (owned = (assignment ?? []).length > 0),
    onRevoked: async () => void (owned = false),
    eachBatch: async () => {},
  })
  // A broker just started may take a while to load the group's coordinator.
  const deadline = Date.now() + 60_000
  while (!owned && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.true(owned, 'the member owns the partition')

  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: topic, logLevel: logLevel.NOTHING })
  const commitAs = async (as: () => GroupMember | undefined, offset: string): Promise<void> => {
    const producer = await KafkaJsProducer.connect(kafka, `${topic}-${randomUUID()}`, (groupId) => {
      if (groupId !== group) throw new Error(`asked for ${groupId}`)
      member = as()
      return member
    })
    try {
      await producer.beginTransaction()
      await producer.send([
        { topic, partition: 0, key: null, value: Buffer.from(offset), timestamp: Date.now(), headers: {} },
      ])
      await producer.sendOffsets(group, [{ topic, partition: 0, offset }])
      await producer.commitTransaction()
    } catch (error) {
      if (producer.inTransaction) await producer.abortTransaction().catch(() => {})
      throw error
    } finally {
      await producer.close()
    }
  }
  const live = (): GroupMember => {
    const known = (backend as unknown as { members: GroupMembers<GroupMember> }).members.get(group)
    if (known === undefined) throw new Error('the backend knows no member of the group')
    return known
  }

  await commitAs(live, '3')
  t.true((member?.generationId ?? -1) >= 1, 'sent with its generation')
  t.regex(member?.memberId ?? '', /.+/, 'and its member id')
  const read = async (): Promise<string | undefined> =>
    (await consumer.committed([{ topic, partition: 0 }])).get(tpKey(topic, 0))
  t.is(await read(), '3')

  for (const zombie of [
    () => ({ ...live(), generationId: live().generationId - 1 }),
    () => ({ ...live(), memberId: `${live().memberId}-gone` }),
  ]) {
    const refused = await t.throwsAsync(commitAs(zombie, '9'), { instanceOf: KafkaError })
    t.is(refused?.code, KAFKA_ERROR_CODES.REBALANCED, refused?.message)
  }
  t.is(await read(), '3', 'nothing a zombie sent was committed')
  await commitAs(() => undefined, '5')
  t.is(await read(), '5', 'a producer with no member here commits as the old protocol did')
  await consumer.stop()
})
