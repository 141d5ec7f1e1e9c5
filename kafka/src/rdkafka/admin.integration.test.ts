import { randomUUID } from 'node:crypto'
import type * as RdKafka from 'node-rdkafka'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { topicMetadataRequest } from './admin.ts'
import { RdKafkaBackend } from './backend.ts'
import { call, connect, disconnect, rdkafka, rdkafkaAvailable } from './client.ts'

if (rdkafkaAvailable()) {
  const test = await integrationTest('kafka')
  test('a metadata request about one topic is answered with that topic alone, not the cluster', async (t) => {
    const backend = new RdKafkaBackend({ brokers: kafkaBrokers(), sessionTimeoutMs: 6000 })
    t.teardown(() => backend.close())
    const id = randomUUID().slice(0, 8)
    const [asked, other] = [`metadata-asked-${id}`, `metadata-other-${id}`]
    const admin = await backend.admin()
    await admin.createTopics([
      { name: asked, partitions: 3, config: {} },
      { name: other, partitions: 1, config: {} },
    ])
    t.deepEqual(await admin.partitionCounts([asked]), new Map([[asked, 3]]))
    await admin.close()

    const client = new (rdkafka().Producer)({ 'metadata.broker.list': kafkaBrokers().join(',') })
    await connect(client as never, 'connecting a metadata client')
    t.teardown(() => disconnect(client as never))
    const metadata = await call<RdKafka.Metadata>('reading metadata', (done) =>
      client.getMetadata(topicMetadataRequest(asked), done),
    )
    t.deepEqual(
      metadata.topics.map((topic) => [topic.name, topic.partitions.length]),
      [[asked, 3]],
    )
  })
}
