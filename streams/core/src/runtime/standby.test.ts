import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { MemoryBackend, Serdes } from '@oxagry/kafka'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { STREAMS_ERROR_CODES } from '../errors.ts'
import type { StreamsConfig } from './config.ts'
import { changelogTopic } from './internal-topics.ts'
import { countTopology, until } from './integration-fixtures.ts'
import { KafkaStreams } from './kafka-streams.ts'

const S = Serdes.String()
const L = Serdes.Long()
const silent = pino({ level: process.env.TEST_LOG ?? 'silent' })
const APP = 'standby'
/** Standbys catch up through the instances' heartbeats: longer than the default wait. */
const untilLong = (condition: () => boolean): Promise<void> => until(condition, 30_000)
const CHANGELOG = changelogTopic(APP, 'counts')

for (const storeType of ['persistent', 'in-memory'] as const) {
  function topology(): ReturnType<StreamsBuilder['build']> {
    const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
    b.stream<string, string>('in')
      .groupByKey()
      .count({ storeName: 'counts', storeType })
      .toStream()
      .to('out', { valueSerde: L as never })
    return b.build()
  }

  function config(backend: MemoryBackend, numStandbyReplicas: number): StreamsConfig {
    return {
      applicationId: APP,
      backend,
      processingGuarantee: 'exactly_once',
      stateDir: mkdtempSync(join(tmpdir(), 'streams-standby-')),
      logger: silent,
      numStandbyReplicas,
    }
  }

  /** Two instances share two tasks; then the first closes and the second takes its task. */
  async function failover(numStandbyReplicas: number): Promise<{
    promoted: string
    restored: { restored: number; total: number } | undefined
    changelogRecords: number
    last: Map<string, number>
    metrics: string
  }> {
    const backend = new MemoryBackend()
    for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 2, config: {} })
    const first = new KafkaStreams(topology(), config(backend, numStandbyReplicas))
    await first.start()
    produce(backend, 300, 3)
    await untilLong(() => outputs(backend).length === 900)
    const second = new KafkaStreams(topology(), config(backend, numStandbyReplicas))
    await second.start()
    await untilLong(() => second.taskIds.length === 1 && first.taskIds.length === 1)
    const promoted = first.taskIds[0] ?? ''
    produce(backend, 300, 1)
    await untilLong(() => outputs(backend).length === 1200)
    const partition = Number(promoted.split('_')[1])
    const end = backend.broker.endOffset(CHANGELOG, partition)
    if (numStandbyReplicas > 0) {
      await untilLong(() =>
        second.standbyProgress().some((p) => p.task === promoted && Number(p.offset) >= end - 1),
      )
    }
    await first.close()
    await untilLong(() => second.taskIds.includes(promoted))
    produce(backend, 300, 1)
    await untilLong(() => outputs(backend).length === 1500)
    const restored = second.restoration().find((r) => r.task === promoted)
    const changelogRecords = backend.broker.fetch(CHANGELOG, partition, 0, 1_000_000, true).records.length
    const last = new Map(outputs(backend))
    const metrics = await second.metrics.registry.metrics()
    await second.close()
    return { promoted, restored, changelogRecords, last, metrics }
  }

  test(`without a standby, the new owner restores the whole changelog (${storeType})`, async (t) => {
    const { restored, changelogRecords, last } = await failover(0)
    t.true(changelogRecords > 0)
    t.is(restored?.restored, restored?.total)
    t.true((restored?.total ?? 0) >= 150, `restored ${JSON.stringify(restored)}`)
    t.true([...last.values()].every((count) => count === 5))
  })

  test(`with a standby caught up, the new owner restores nothing more (${storeType})`, async (t) => {
    const { restored, last, metrics } = await failover(1)
    t.regex(
      metrics,
      /oxagry_streams_standby_updated_records_total\{application="standby",store="counts"\} [1-9]/,
    )
    // Exactly-once: the commit markers after the standby's last record are all that lies past it.
    t.true((restored?.total ?? Infinity) <= 1, `restored ${JSON.stringify(restored)}`)
    t.is(restored?.restored, 0)
    // The warm counts carry on: every key counted 5, none restarted from the tail only.
    t.is(last.size, 300)
    t.true([...last.values()].every((count) => count === 5))
  })
}

test('a standby checkpoint, written when the standby closes, leaves its next owner only the tail', async (t) => {
  const backend = new MemoryBackend()
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 1, config: {} })
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>('in')
    .groupByKey()
    .count({ storeName: 'counts', storeType: 'persistent' })
    .toStream()
    .to('out', { valueSerde: L as never })
  const topology = b.build()
  const base = { applicationId: APP, backend, processingGuarantee: 'exactly_once', logger: silent } as const
  // Both keep standbys; which one the group gives the task to is its choice (member ids are random).
  const instances = [0, 1].map(() => {
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-standby-'))
    return { stateDir, streams: new KafkaStreams(topology, { ...base, stateDir, numStandbyReplicas: 1 }) }
  })
  for (const { streams } of instances) await streams.start()
  await untilLong(
    () =>
      instances.some(({ streams }) => streams.taskIds.includes('0_0')) &&
      instances.some(({ streams }) => streams.standbyTaskIds.includes('0_0')),
  )
  const owner = instances.find(({ streams }) => streams.taskIds.includes('0_0'))?.streams as KafkaStreams
  const holder = instances.find(({ streams }) =>
    streams.standbyTaskIds.includes('0_0'),
  ) as (typeof instances)[0]
  produce(backend, 100, 1)
  await untilLong(() => outputs(backend).length === 100)
  const caughtUp = backend.broker.endOffset(CHANGELOG, 0)
  await untilLong(() => holder.streams.standbyProgress().some((p) => Number(p.offset) >= caughtUp - 1))
  const checkpointed = Number(holder.streams.standbyProgress()[0]?.offset)
  await holder.streams.close()
  // 40 keys change while no standby follows: 40 changelog records and a commit marker at most.
  produce(backend, 40, 1)
  await untilLong(() => outputs(backend).length === 140)
  const tail = backend.broker.endOffset(CHANGELOG, 0) - checkpointed
  await owner.close()
  const next = new KafkaStreams(topology, { ...base, stateDir: holder.stateDir })
  await next.start()
  await untilLong(() => next.taskIds.includes('0_0'))
  t.deepEqual(next.restoration(), [{ task: '0_0', store: 'counts', restored: 40, total: tail }])
  produce(backend, 100, 1)
  await untilLong(() => outputs(backend).length === 240)
  t.true(new Map(outputs(backend)).get('k0') === 3 && new Map(outputs(backend)).get('k99') === 2)
  await next.close()
})

test('numStandbyReplicas is checked at the boundary', (t) => {
  const backend = new MemoryBackend()
  for (const bad of [-1, 1.5, '1']) {
    const error = t.throws(
      () =>
        new KafkaStreams(new StreamsBuilder().build(), {
          applicationId: APP,
          backend,
          numStandbyReplicas: bad as never,
        }),
    )
    t.is((error as { code?: string }).code, STREAMS_ERROR_CODES.INVALID_CONFIG)
    t.regex(error?.message ?? '', /\/config\/numStandbyReplicas/)
  }
})

function produce(backend: MemoryBackend, keys: number, perKey: number): void {
  const records = []
  for (let i = 0; i < perKey; i++)
    for (let k = 0; k < keys; k++)
      records.push({
        topic: 'in',
        key: Buffer.from(`k${k}`),
        value: Buffer.from('x'),
        timestamp: 1,
        headers: {},
      })
  backend.broker.append(records)
}

function outputs(backend: MemoryBackend): [string, number][] {
  const out: [string, number][] = []
  for (let p = 0; p < (backend.broker.partitionCount('out') ?? 0); p++) {
    for (const r of backend.broker.fetch('out', p, 0, 1_000_000, true).records)
      out.push([r.key?.toString() ?? '', Number(L.deserialize('out', r.value ?? Buffer.alloc(8), {}))])
  }
  return out
}

test('with applicationServer, instances place each task n standbys among themselves, never on its owner', async (t) => {
  const backend = new MemoryBackend()
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 6, config: {} })
  const topology = countTopology('in', 'out')
  const instances = ['h1:7001', 'h2:7001', 'h3:7001'].map(
    (applicationServer) =>
      new KafkaStreams(topology, {
        applicationId: APP,
        backend,
        logger: silent,
        stateDir: mkdtempSync(join(tmpdir(), 'streams-standby-')),
        applicationServer,
        instanceHeartbeatMs: 50,
        numStandbyReplicas: 1,
      }),
  )
  for (const instance of instances) await instance.start()
  const tasks = Array.from({ length: 6 }, (_, p) => `0_${p}`)
  const placed = (): boolean =>
    instances.every((i) => i.taskIds.length === 2) &&
    tasks.every(
      (task) =>
        instances.filter((i) => i.standbyTaskIds.includes(task)).length === 1 &&
        !instances.some((i) => i.taskIds.includes(task) && i.standbyTaskIds.includes(task)),
    )
  // Knowing nobody at first, each instance warms every task it does not run; the entries of the
  // others then narrow it to one standby per task.
  await untilLong(placed)
  t.true(placed())
  for (const instance of instances) await instance.close()
})

test('query metadata names the instance keeping a standby of a key, and its standby partitions', async (t) => {
  const backend = new MemoryBackend()
  for (const name of ['in', 'out']) backend.broker.createTopic({ name, partitions: 2, config: {} })
  const topology = countTopology('in', 'out')
  const [one, two] = ['h1:7001', 'h2:7001'].map(
    (applicationServer) =>
      new KafkaStreams(topology, {
        applicationId: APP,
        backend,
        logger: silent,
        stateDir: mkdtempSync(join(tmpdir(), 'streams-standby-')),
        applicationServer,
        instanceHeartbeatMs: 50,
        numStandbyReplicas: 1,
      }),
  ) as [KafkaStreams, KafkaStreams]
  await one.start()
  await two.start()
  const key = 'k1'
  const answer = async (): Promise<string | undefined> => {
    const m = await one.queryMetadataForKey('counts', key, S)
    if (m.activeHost === undefined || m.standbyHosts.length !== 1) return undefined
    return `${m.activeHost.host} ${m.standbyHosts.map((h) => h.host).join()}`
  }
  // Each instance publishes its standbys with its next heartbeat after placing them.
  const published = (): boolean => {
    const meta = one.metadataForAllStreamsClients()
    return meta.length === 2 && meta.every((m) => m.standbyTopicPartitions.length === 1)
  }
  let seen: string | undefined
  const deadline = Date.now() + 30_000
  while (((seen = await answer()) === undefined || !published()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20))
  const partition = (await one.queryMetadataForKey('counts', key, S)).partition
  const owner = one.taskIds.includes(`0_${partition}`) ? 'h1' : 'h2'
  t.is(seen, `${owner} ${owner === 'h1' ? 'h2' : 'h1'}`)
  const meta = one.metadataForAllStreamsClients()
  for (const m of meta) {
    t.deepEqual(m.standbyStateStoreNames, ['counts'])
    t.is(m.standbyTopicPartitions.length, 1)
    t.notDeepEqual(m.standbyTopicPartitions, m.topicPartitions)
  }
  t.is(meta.length, 2)
  await one.close()
  await two.close()
})
