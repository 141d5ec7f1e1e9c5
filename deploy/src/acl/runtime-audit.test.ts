import test from 'ava'
import { InMemorySchemaRegistry } from '@oxagry/avro'
import { FLEET, platformNames } from '@oxagry/main'
import { MemoryBackend, MemoryBroker } from '@oxagry/kafka'
import { runSink } from '@oxagry/sink'
import { FakeTarget } from '@oxagry/sink/testing'
import { createTrackingSerdes, DEFAULT_TRACKING_TOPICS, startTracking } from '@oxagry/tracking'
import { simulate } from '@oxagry/tracking/testing'
import { pino } from 'pino'
import { TRACKING_APPLICATION_ID } from '../apps.ts'
import { workloadAcls } from '../users.ts'
import { WORKLOADS, type Workload } from '../workloads.ts'
import { AuditingBackend } from './auditing-backend.ts'
import { refused } from './coverage.ts'

const workload = (name: string): Workload => WORKLOADS.find((w) => w.name === name) as Workload
const until = async (done: () => boolean, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
}

test('everything the running tracking application asks of Kafka, its user may do', async (t) => {
  const broker = new MemoryBroker()
  const registry = new InMemorySchemaRegistry()
  await simulate({
    backend: new MemoryBackend(broker),
    registry,
    topics: DEFAULT_TRACKING_TOPICS,
    partitions: 3,
    machines: 5,
    minutes: 10,
    startTimeMs: 1_700_000_000_000,
  })
  const audited = new AuditingBackend(new MemoryBackend(broker))
  const tracking = await startTracking({
    backend: audited,
    serdes: await createTrackingSerdes(registry, DEFAULT_TRACKING_TOPICS, { autoRegister: true }),
    applicationId: TRACKING_APPLICATION_ID,
    processingGuarantee: 'exactly_once',
    streams: { logger: pino({ level: 'silent' }), commitIntervalMs: 100 },
  })
  try {
    await until(() => audited.requests.some((r) => r.type === 'transactionalId'))
    await until(() =>
      audited.requests.some((r) => r.name === FLEET.positions.name && r.operation === 'Write'),
    )
  } finally {
    await tracking.close()
  }
  const kinds = new Set(audited.requests.map((r) => `${r.operation} ${r.type}`))
  for (const kind of ['Read group', 'Read topic', 'Write topic', 'Write transactionalId', 'Create topic'])
    t.true(kinds.has(kind), `the run asked for ${kind}`)
  t.deepEqual(refused(await workloadAcls(workload('tracking')), audited.requests), [])
  // The same requests from another application id are refused: the ACLs are the application's own.
  const elsewhere = audited.requests.map((r) => ({
    ...r,
    name: r.name.replace(TRACKING_APPLICATION_ID, 'oxagry-other'),
  }))
  t.true(refused(await workloadAcls(workload('tracking')), elsewhere).length > 0)
})

test('everything a running sink asks of Kafka, dead letters included, its user may do', async (t) => {
  const broker = new MemoryBroker()
  const setup = await new MemoryBackend(broker).admin()
  await setup.createTopics(
    [FLEET.positions, FLEET.deadLetters].map((s) => ({ name: s.name, partitions: 2, config: {} })),
  )
  const producer = await new MemoryBackend(broker).producer({})
  await producer.send(
    ['MF-1', 'MF-2', 'bad'].map((key) => ({
      topic: FLEET.positions.name,
      key: Buffer.from(key),
      value: Buffer.from(key),
      timestamp: 0,
      headers: {},
    })),
  )
  await producer.close()
  await setup.close()
  const audited = new AuditingBackend(new MemoryBackend(broker))
  const target = new FakeTarget<string>({ refuse: (item) => item === 'bad' })
  const sink = await runSink<string>({
    backend: audited,
    groupId: platformNames().group('sink-read-model'),
    topics: [FLEET.positions.name],
    decode: (record) => record.value?.toString() ?? null,
    target,
    deadLetter: {
      topic: FLEET.deadLetters.name,
      serializer: { serialize: async (_topic, dl) => Buffer.from(dl.errorMessage) },
    },
    batch: { maxRecords: 1, maxWaitMs: 10 },
    logger: pino({ level: 'silent' }),
  })
  try {
    await until(() =>
      audited.requests.some((r) => r.name === FLEET.deadLetters.name && r.operation === 'Write'),
    )
  } finally {
    await sink.stop()
  }
  t.true(audited.requests.some((r) => r.type === 'group' && r.operation === 'Read'))
  t.true(audited.requests.some((r) => r.name === FLEET.deadLetters.name && r.operation === 'Write'))
  t.deepEqual(refused(await workloadAcls(workload('sink-read-model')), audited.requests), [])
  // The tracking user could not run this sink.
  t.true(
    refused(await workloadAcls(workload('tracking')), audited.requests).includes(
      `Read group:${platformNames().group('sink-read-model')}`,
    ),
  )
})
