import { randomUUID } from 'node:crypto'
import { integrationTest, kafkaBrokers } from '@oxagry/testkit'
import { pino } from 'pino'
import { KafkaJsBackend } from './backend.ts'

const test = await integrationTest('kafka')

// A healthy start logs nothing: kafkajs' partitioner notice is answered by naming the partitioner, and
// its warning about bounded idempotent retries by how a failed send is handled (see config.ts).
test('a healthy producer and transaction log no kafkajs warning', async (t) => {
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) })
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: 'it-logging', logger })
  t.teardown(() => backend.close())
  const topic = `it-logging-${randomUUID().slice(0, 8)}`
  const admin = await backend.admin()
  await admin.createTopics([{ name: topic, partitions: 1, config: {} }])
  await admin.close()
  const record = { topic, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: Date.now(), headers: {} }
  const plain = await backend.producer({ clientId: 'it-logging' })
  await plain.send([record])
  const transactional = await backend.producer({
    clientId: 'it-logging',
    transactionalId: `it-${randomUUID()}`,
  })
  await transactional.beginTransaction()
  await transactional.send([record])
  await transactional.commitTransaction()
  await plain.close()
  await transactional.close()
  const warnings = lines
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40)
  t.deepEqual(
    warnings.map((w) => w.msg),
    [],
  )
})
