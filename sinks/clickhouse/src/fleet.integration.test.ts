import { randomUUID } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Contracts, InMemorySchemaRegistry, createAvroSerde, type MachinePing } from '@oxagry/avro'
import { SINK_ERROR_CODES, decodePings, runSink, type SinkError, type WriteContext } from '@oxagry/sink'
import { ping, session } from '@oxagry/sink/testing'
import { MemoryBackend, type BrokerRecord } from '@oxagry/kafka'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { createClickHouseClient } from './client.ts'
import { FLEET_TABLES, machineTrack, machineTrips } from './fleet.ts'
import { applyMigrations, readMigrations, statementsOf } from './migrations.ts'
import { clickHouseFleetTarget, type ClickHouseFleetWrite } from './target.ts'

const test = await integrationTest('clickhouse')
// chdb holds one session per process: one client for the whole file.
const client = createClickHouseClient(serviceUrl('clickhouse'))
const T0 = Date.UTC(2025, 5, 30, 23, 59, 0)

test.before(async () => {
  await applyMigrations(client)
})
test.after(async () => {
  await client.close()
})

async function scalar(query: string, params: Record<string, unknown> = {}): Promise<number> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
  const [row] = await result.json<{ n: number | string }>()
  return Number(row?.n)
}

const counts = async (machineId: string) => ({
  raw: await scalar(`SELECT count() AS n FROM ${FLEET_TABLES.pings} WHERE machine_id = {m:String}`, {
    m: machineId,
  }),
  final: await scalar(`SELECT count() AS n FROM ${FLEET_TABLES.pings} FINAL WHERE machine_id = {m:String}`, {
    m: machineId,
  }),
  distinct: await scalar(
    `SELECT uniqExact(ping_id) AS n FROM ${FLEET_TABLES.pings} WHERE machine_id = {m:String}`,
    {
      m: machineId,
    },
  ),
})

const context = (batchId: string): WriteContext => ({ batchId, attempt: 1, records: [] })
const pingWrites = (pings: readonly MachinePing[]): ClickHouseFleetWrite[] =>
  pings.map((p) => ({ kind: 'insert-ping', ping: p }))

test.serial('the DDL files are applied once, in order, and recorded', async (t) => {
  const files = await readMigrations()
  t.deepEqual(
    files.map((m) => `${m.version}_${m.name}`),
    ['1_machine_pings', '2_machine_sessions', '3_commerce_facts', '4_commerce_views'],
  )
  t.deepEqual(await applyMigrations(client), [])
  t.is(await scalar('SELECT count() AS n FROM schema_migrations FINAL'), 4)
  const engine = await client.query({
    query: `SELECT name, engine, partition_key, sorting_key, engine_full FROM system.tables
            WHERE database = currentDatabase() AND name IN ('machine_pings', 'machine_sessions') ORDER BY name`,
    format: 'JSONEachRow',
  })
  const tables = await engine.json<{
    name: string
    engine: string
    partition_key: string
    sorting_key: string
    engine_full: string
  }>()
  t.deepEqual(
    tables.map((x) => [x.name, x.engine, x.partition_key, x.sorting_key]),
    [
      ['machine_pings', 'ReplacingMergeTree', 'toYYYYMM(event_time)', 'machine_id, event_time, ping_id'],
      [
        'machine_sessions',
        'ReplacingMergeTree',
        'toYYYYMM(started_at)',
        'machine_id, started_at, session_id',
      ],
    ],
  )
  for (const x of tables) t.regex(x.engine_full, /non_replicated_deduplication_window = 1000/)
})

test.serial('an applied DDL file that changed is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'oxagry-ddl-'))
  const table = `t_${randomUUID().replaceAll('-', '')}`
  await writeFile(
    join(dir, '901_probe.sql'),
    `CREATE TABLE IF NOT EXISTS ${table} (x UInt8) ENGINE = MergeTree ORDER BY x;`,
  )
  t.deepEqual(await applyMigrations(client, dir), [901])
  await writeFile(
    join(dir, '901_probe.sql'),
    `CREATE TABLE IF NOT EXISTS ${table} (x UInt16) ENGINE = MergeTree ORDER BY x;`,
  )
  await t.throwsAsync(() => applyMigrations(client, dir), { message: /changed after it was applied/ })
})

test('statements are split at line-ending semicolons, comments dropped', (t) => {
  t.deepEqual(
    statementsOf("-- a comment; still a comment\nCREATE TABLE a (x String DEFAULT ';');\n\nSELECT 1;\n"),
    ["CREATE TABLE a (x String DEFAULT ';')", 'SELECT 1'],
  )
})

test('the same batch written twice leaves one row per ping', async (t) => {
  const machine = `MF-${randomUUID().slice(0, 8)}`
  const target = clickHouseFleetTarget(client, { migrate: false })
  const items = pingWrites(Array.from({ length: 50 }, (_, i) => ping(machine, i, T0 + i * 1000)))
  await target.write(items, context('fleet.machine-pings.v1:0:0-49'))
  await target.write(items, context('fleet.machine-pings.v1:0:0-49'))
  t.deepEqual(await counts(machine), { raw: 50, final: 50, distinct: 50 })
})

test('other rows under a reused batch id (offsets reused) are inserted, not dropped as duplicates', async (t) => {
  const machine = `MF-${randomUUID().slice(0, 8)}`
  const target = clickHouseFleetTarget(client, { migrate: false })
  const batchId = 'fleet.machine-pings.v1:0:0-9'
  // All in one month: ClickHouse deduplicates per partition (toYYYYMM(event_time)).
  const before = pingWrites(Array.from({ length: 10 }, (_, i) => ping(machine, i, T0 + i * 1000)))
  const after = pingWrites(
    Array.from({ length: 10 }, (_, i) => ping(machine, 100 + i, T0 - 100_000 + i * 1000)),
  )
  await target.write(before, context(batchId))
  await target.write(after, context(batchId))
  await target.write(after, context(batchId))
  t.deepEqual(await counts(machine), { raw: 20, final: 20, distinct: 20 })
})

test('a re-delivery cut at other offsets is collapsed on the ping identity', async (t) => {
  const machine = `MF-${randomUUID().slice(0, 8)}`
  const target = clickHouseFleetTarget(client, { migrate: false })
  const pings = Array.from({ length: 30 }, (_, i) => ping(machine, i, T0 + i * 1000))
  await target.write(pingWrites(pings.slice(0, 20)), context('p:0:0-19'))
  await target.write(pingWrites(pings.slice(10)), context('p:0:10-29'))
  const c = await counts(machine)
  t.is(c.final, 30)
  t.is(c.distinct, 30)
  const track = await machineTrack(client, machine, T0, T0 + 3_600_000)
  t.is(track.length, 30)
  t.deepEqual(
    track.map((p) => p.sequence),
    pings.map((p) => p.sequence),
  )
  t.deepEqual(track[3], {
    pingId: pings[3]!.pingId,
    sequence: 3,
    eventTime: T0 + 3000,
    latitude: pings[3]!.latitude,
    longitude: pings[3]!.longitude,
    speedKmh: 10,
    headingDegrees: 45,
    engineState: 'RUNNING',
  })
  t.is((await machineTrack(client, machine, T0 + 5000, T0 + 10_000)).length, 5)
})

test('trips: the latest version of each session, overlapping the period', async (t) => {
  const machine = `MF-${randomUUID().slice(0, 8)}`
  const target = clickHouseFleetTarget(client, { migrate: false })
  const open = session(machine, T0, { state: 'OPEN', pingCount: 10, endedAt: T0 + 60_000 })
  const closed = {
    ...open,
    state: 'CLOSED' as const,
    pingCount: 30,
    endedAt: T0 + 300_000,
    distanceMeters: 2500,
  }
  const idle = session(machine, T0 + 400_000, { kind: 'IDLE' })
  const earlier = session(machine, T0 - 86_400_000)
  await target.write(
    [open, idle, earlier].map((s) => ({ kind: 'upsert-session', session: s })),
    context('s:0:0-2'),
  )
  await target.write([{ kind: 'upsert-session', session: closed }], context('s:0:3-3'))
  await target.write([{ kind: 'upsert-session', session: open }], context('s:0:0-0'))
  const trips = await machineTrips(client, machine, { from: T0 - 1000, to: T0 + 3_600_000 })
  t.is(trips.length, 1)
  t.like(trips[0], {
    sessionId: open.sessionId,
    state: 'CLOSED',
    pingCount: 30,
    distanceMeters: 2500,
    endedAt: T0 + 300_000,
  })
  const idles = await machineTrips(client, machine, { from: T0, to: T0 + 3_600_000, kind: 'IDLE' })
  t.deepEqual(
    idles.map((s) => s.sessionId),
    [idle.sessionId],
  )
})

test('rows ClickHouse cannot parse are a permanent error', async (t) => {
  const target = clickHouseFleetTarget(client, { migrate: false })
  const bad = { ...ping('MF-bad', 1, T0), pingId: 'not-a-uuid' }
  const error = (await t.throwsAsync(() =>
    target.write(pingWrites([bad]), context('bad:0:0-0')),
  )) as SinkError
  t.is(error.code, SINK_ERROR_CODES.PERMANENT, error.message)
})

test('a sink on the in-process broker writes Avro pings into ClickHouse and dead-letters a bad one', async (t) => {
  const topic = 'fleet.machine-pings.v1'
  const dlq = 'fleet.dead-letters.v1'
  const registry = new InMemorySchemaRegistry()
  const pings = await createAvroSerde({
    registry,
    contract: Contracts.MachinePing,
    autoRegister: true,
    topics: [topic],
  })
  const deadLetters = await createAvroSerde({
    registry,
    contract: Contracts.DeadLetter,
    autoRegister: true,
    topics: [dlq],
  })
  const backend = new MemoryBackend()
  backend.broker.createTopic({ name: topic, partitions: 3, config: {} })
  backend.broker.createTopic({ name: dlq, partitions: 1, config: {} })
  const machine = `MF-${randomUUID().slice(0, 8)}`
  const values = Array.from({ length: 40 }, (_, i) => ping(machine, i, T0 + i * 1000))
  backend.broker.append(
    values.map((p) => ({
      topic,
      key: Buffer.from(machine),
      value: pings.serialize(topic, p, {}) as Buffer,
      timestamp: p.eventTime,
      headers: {},
    })),
  )
  backend.broker.append([
    { topic, key: Buffer.from(machine), value: Buffer.from('not avro'), timestamp: T0, headers: {} },
  ])
  const sink = await runSink({
    backend,
    groupId: `clickhouse-pings-${machine}`,
    topics: [topic],
    decode: decodePings(pings),
    target: clickHouseFleetTarget(client),
    batch: { maxRecords: 16, maxWaitMs: 50 },
    retry: { attempts: 3, baseMs: 10, maxMs: 50 },
    deadLetter: { topic: dlq, serializer: deadLetters },
    logger: pino({ level: 'silent' }),
  })
  const partition = (await backend.admin()).endOffsets(topic)
  const ends = await partition
  const deadline = Date.now() + 10_000
  const done = () =>
    [...ends].every(
      ([p, end]) =>
        backend.broker.committed(`clickhouse-pings-${machine}`, { topic, partition: p }) === end ||
        end === '0',
    )
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await sink.stop()
  t.deepEqual(await counts(machine), { raw: 40, final: 40, distinct: 40 })
  const dead = backend.broker.fetch(dlq, 0, 0, 10, false).records as BrokerRecord[]
  t.is(dead.length, 1)
  t.like(await deadLetters.deserialize(dlq, dead[0]!.value!, {}), {
    stage: 'DESERIALIZATION',
    sourceTopic: topic,
  })
})
