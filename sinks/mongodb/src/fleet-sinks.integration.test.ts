import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'
import {
  Contracts,
  InMemorySchemaRegistry,
  createAvroSerde,
  type MachinePing,
  type MachinePosition,
} from '@oxagry/avro'
import { ping, position } from '@oxagry/sink/testing'
import { KafkaJsBackend, tpKey } from '@oxagry/kafka'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { MongoMachineReadModel } from './read-model.ts'

const test = await integrationTest('kafka', 'mongodb', 'clickhouse')

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const MACHINES = 6
const PINGS_PER_MACHINE = 100
const POSITIONS_PER_MACHINE = 40
const T0 = Date.UTC(2025, 6, 1, 6, 0, 0)

interface Run {
  readonly id: string
  readonly env: NodeJS.ProcessEnv
  readonly topics: { pings: string; positions: string; deadLetters: string }
}

/** Every child still running: a failed or timed-out test kills them, so none outlives the run. */
const running = new Set<ChildProcess>()

function child(run: Run, extra: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...run.env, ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  const events: Record<string, unknown>[] = []
  const waiters: {
    match: (e: Record<string, unknown>) => boolean
    resolve: (e: Record<string, unknown>) => void
  }[] = []
  const lines = createInterface({ input: proc.stdout! })
  // Every line the child printed has been seen once its stdout closed, which may be after 'exit'.
  const drained = new Promise<void>((resolve) => lines.once('close', resolve))
  lines.on('line', (line) => {
    let event: Record<string, unknown>
    try {
      event = JSON.parse(line) as Record<string, unknown>
    } catch {
      return
    }
    events.push(event)
    for (const w of [...waiters])
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(event)
      }
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const next = (match: (e: Record<string, unknown>) => boolean, timeoutMs = 90_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child event not seen in time')), timeoutMs)
      waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        },
      })
      void exited.then((code) => reject(new Error(`child exited (${code}) before the event`)))
    })
  return { proc, events, next, exited, drained }
}

/** Items of the ClickHouse target's `written` (or `writing`) events. */
function itemsOf(events: readonly Record<string, unknown>[], event = 'written'): number[] {
  return events
    .filter((e) => e.event === event && e.target === 'clickhouse:fleet')
    .map((e) => Number(e.items))
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)

/** Records committed by the group on the topic: the sum of its committed offsets. */
async function committedRecords(backend: KafkaJsBackend, groupId: string, topic: string): Promise<number> {
  const admin = await backend.admin()
  try {
    const ends = await admin.endOffsets(topic)
    const committed = await backend
      .consumer({ groupId, clientId: 'probe', readCommitted: true })
      .committed([...ends.keys()].map((partition) => ({ topic, partition })))
    return sum([...committed.values()].map((offset) => Number(offset ?? '0')))
  } finally {
    await admin.close()
  }
}

async function caughtUp(backend: KafkaJsBackend, groupId: string, topic: string): Promise<boolean> {
  const admin = await backend.admin()
  try {
    const ends = await admin.endOffsets(topic)
    const committed = await backend
      .consumer({ groupId, clientId: 'probe', readCommitted: true })
      .committed([...ends.keys()].map((partition) => ({ topic, partition })))
    return [...ends].every(([p, end]) => end === '0' || committed.get(tpKey(topic, p)) === end)
  } finally {
    await admin.close()
  }
}

test.serial('killed mid-batch and restarted, the sinks lose nothing and double nothing', async (t) => {
  t.timeout(300_000)
  t.teardown(() => {
    for (const proc of running) proc.kill('SIGKILL')
  })
  const id = randomUUID().slice(0, 8)
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
  const backend = new KafkaJsBackend({ brokers: kafkaBrokers() })
  const topics = {
    pings: `test.sink-crash-${id}.pings`,
    positions: `test.sink-crash-${id}.positions`,
    deadLetters: `test.sink-crash-${id}.dead-letters`,
  }
  const admin = await backend.admin()
  await admin.createTopics([
    { name: topics.pings, partitions: 3, config: {} },
    { name: topics.positions, partitions: 3, config: {} },
    { name: topics.deadLetters, partitions: 1, config: {} },
  ])
  await admin.close()
  const run: Run = {
    id,
    topics,
    env: {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      MONGODB_URL: serviceUrl('mongodb'),
      // The ClickHouse data must outlive the killed process: chdb in a directory (or the server).
      CLICKHOUSE_URL: serviceUrl('clickhouse').startsWith('chdb:')
        ? `chdb:${await mkdtemp(join(tmpdir(), 'oxagry-sink-crash-'))}`
        : serviceUrl('clickhouse'),
      CRASH_PINGS: topics.pings,
      CRASH_POSITIONS: topics.positions,
      CRASH_DEAD_LETTERS: topics.deadLetters,
      CRASH_MONGO_DB: `oxagry_sink_crash_${id}`,
      CRASH_GROUP: `sink-crash-${id}`,
      CRASH_MACHINE_PREFIX: `MF-${id}-`,
    },
  }

  // Pings with resends (same pingId again), and positions per machine in time order.
  const registry = new InMemorySchemaRegistry()
  const pingSerde = await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    autoRegister: true,
    topics: [topics.pings],
  })
  const positionSerde = await createAvroSerde({
    registry,
    contract: Contracts.MachinePosition,
    autoRegister: true,
    topics: [topics.positions],
  })
  const machines = Array.from({ length: MACHINES }, (_, m) => `MF-${id}-${m}`)
  const pings: MachinePing[] = machines.flatMap((machine) =>
    Array.from({ length: PINGS_PER_MACHINE }, (_, s) => ping(machine, s, T0 + s * 5000)),
  )
  const resends = pings.filter((_, i) => i % 25 === 0)
  const positions: MachinePosition[] = machines.flatMap((machine) =>
    Array.from({ length: POSITIONS_PER_MACHINE }, (_, s) =>
      position(machine, T0 + s * 5000, { lastSequence: s, latitude: 50 + s / 100 }),
    ),
  )
  const producer = await backend.producer({ clientId: `sink-crash-${id}` })
  await producer.send(
    [...pings, ...resends].map((p) => ({
      topic: topics.pings,
      key: Buffer.from(p.machineId),
      value: pingSerde.serialize(topics.pings, p, {}) as Buffer,
      timestamp: p.eventTime,
      headers: {},
    })),
  )
  await producer.send(
    positions.map((p) => ({
      topic: topics.positions,
      key: Buffer.from(p.machineId),
      value: positionSerde.serialize(topics.positions, p, {}) as Buffer,
      timestamp: p.eventTime,
      headers: {},
    })),
  )
  await producer.close()

  // First life: slow writes; killed right after a write became durable and before its commit.
  const first = child(run, { CRASH_SLOW_MS: '300' })
  let written = 0
  await first.next((e) => e.event === 'written' && e.target === 'clickhouse:fleet' && ++written >= 3)
  await first.next((e) => e.event === 'written' && e.target === 'clickhouse:fleet')
  first.proc.kill('SIGKILL')
  await first.exited
  await first.drained
  const beforeRestart = first.events.filter((e) => e.event === 'written').length
  t.true(beforeRestart >= 4)
  const pingGroup = `${run.env.CRASH_GROUP}-clickhouse-pings`
  t.false(await caughtUp(backend, pingGroup, topics.pings))
  // One ping per record, no dead letters: what the first life wrote minus what it committed is what it
  // wrote and never acknowledged. The sink writes and commits batch after batch, so that is the last
  // batch written (killed between its write and its commit) or nothing (the commit beat the kill).
  const writtenFirst = itemsOf(first.events)
  const committedFirst = await committedRecords(backend, pingGroup, topics.pings)
  const uncommitted = sum(writtenFirst) - committedFirst
  t.true(uncommitted === 0 || uncommitted === writtenFirst.at(-1), `${uncommitted} written, not committed`)
  // A write begun and never reported (the kill landed inside it) may have reached ClickHouse as well.
  const last = first.events.filter((e) => e.target === 'clickhouse:fleet').at(-1)
  const unreported = last?.event === 'writing' ? Number(last.items) : 0

  // Second life: runs until every partition is committed to its end, then stops cleanly.
  const second = child(run, { CRASH_SLOW_MS: '0' })
  await second.next((e) => e.event === 'started')
  await eventually(
    async () =>
      (await caughtUp(backend, `${run.env.CRASH_GROUP}-clickhouse-pings`, topics.pings)) ? true : undefined,
    { what: 'pings committed', timeoutMs: 120_000, intervalMs: 500 },
  )
  await eventually(
    async () =>
      (await caughtUp(backend, `${run.env.CRASH_GROUP}-mongodb-positions`, topics.positions))
        ? true
        : undefined,
    { what: 'positions committed', timeoutMs: 120_000, intervalMs: 500 },
  )
  second.proc.kill('SIGTERM')
  t.is(await second.exited, 0)
  await second.drained
  const total = pings.length + resends.length
  // The second life resumes at the committed offsets: it writes every record after them exactly once
  // and none before them. A batch written twice after the restart (or a committed one re-written) breaks
  // this; it counts writes, so ClickHouse merging duplicates away cannot hide it.
  t.is(sum(itemsOf(second.events)), total - committedFirst)

  const counter = child(run, { CRASH_MODE: 'count' })
  const counts = await counter.next((e) => e.event === 'counts')
  await counter.exited
  const unique = MACHINES * PINGS_PER_MACHINE
  // Every ping is there once by its identity. Raw rows (before ReplacingMergeTree merges, which only
  // lower the count) are every record once, plus at most the rows the first life wrote without
  // committing, which the second wrote again (unless it cut the same batch: same dedup token, dropped).
  t.is(counts.distinct, unique)
  t.is(counts.final, unique)
  const raw = Number(counts.raw)
  t.true(raw >= unique, `${raw} raw rows`)
  t.true(raw - total <= uncommitted + unreported, `${raw} raw rows, ${uncommitted + unreported} rewritable`)
  t.log(
    `pings: ${unique} unique, ${resends.length} resends, ${raw} raw rows before merges, ` +
      `${uncommitted} written and uncommitted at the kill, ${unreported} in flight`,
  )

  const mongo = new MongoClient(serviceUrl('mongodb'))
  try {
    const db = mongo.db(run.env.CRASH_MONGO_DB!)
    const model = new MongoMachineReadModel({ db })
    const page = await model.list({ limit: 100 })
    t.deepEqual(
      page.items.map((m) => m.machineId),
      machines,
    )
    for (const m of page.items) {
      t.is(m.eventTime, T0 + (POSITIONS_PER_MACHINE - 1) * 5000)
      t.is(m.lastSequence, POSITIONS_PER_MACHINE - 1)
    }
    t.is(await db.collection('machines').countDocuments(), MACHINES)
    await db.dropDatabase()
  } finally {
    await mongo.close()
  }
  await backend.close()
})
