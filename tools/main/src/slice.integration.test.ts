import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ConfluentSchemaRegistry, type MachinePing } from '@oxagry/avro'
import { createClickHouseClient, FLEET_TABLES } from '@oxagry/clickhouse'
import { ACCEPTED_KINDS } from '@oxagry/simulator'
import { KafkaJsBackend, tpKey } from '@oxagry/kafka'
import { TOPICS } from '@oxagry/topics'
import { expectedFrom, readOutputs, readTopic, simulate, type Simulated } from '@oxagry/tracking/testing'
import { loadOrCreateLocalKey, mintToken } from '@oxagry/api-auth'
import { eventually, integrationTest, kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import { MongoClient } from 'mongodb'
import WebSocket from 'ws'
import { platformNames } from './names.ts'

// The live-tracking slice on the stack, as `npm start` runs it against real services: simulated pings →
// Kafka → tracking → sinks (ClickHouse, MongoDB) → REST and WebSocket. The platform runs in a child
// process that is killed with SIGKILL while its sinks are writing and then started again; every
// produced ping must end up exactly once in ClickHouse or as a dead letter.

const test = await integrationTest('kafka', 'schemaRegistry', 'mongodb')

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const MACHINES = 40
const MINUTES = 60
/** How long after the restarted platform is up every position must show over REST and WebSocket. */
const BOUND_MS = 45_000

interface Life {
  readonly exited: Promise<number | null>
  readonly started: Promise<{ api: string; live: string; at: number }>
  kill(signal: NodeJS.Signals): void
}

function startLife(env: NodeJS.ProcessEnv): Life {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const started = new Promise<{ api: string; live: string; at: number }>((resolve, reject) => {
    let api: string | undefined
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      api ??= /^\s+REST\s+(\S+)/.exec(line)?.[1]
      const live = /^\s+live feed\s+(\S+)/.exec(line)?.[1]
      if (api !== undefined && live !== undefined) resolve({ api, live, at: Date.now() })
    })
    void exited.then((code) => reject(new Error(`the platform exited (${code}) before it started`)))
  })
  return { exited, started, kill: (signal) => void proc.kill(signal) }
}

/** Committed and end offsets of a group on a topic, by partition and summed. */
async function progress(backend: KafkaJsBackend, groupId: string, topic: string) {
  const admin = await backend.admin()
  try {
    const ends = await admin.endOffsets(topic)
    const committed = await backend
      .consumer({ groupId, clientId: 'slice-probe', readCommitted: true })
      .committed([...ends.keys()].map((partition) => ({ topic, partition })))
    const byPartition = new Map(
      [...ends.keys()].map((p) => [p, Number(committed.get(tpKey(topic, p)) ?? '0')]),
    )
    return {
      byPartition,
      committed: [...byPartition.values()].reduce((a, b) => a + b, 0),
      end: [...ends.values()].reduce((a, b) => a + Number(b), 0),
    }
  } finally {
    await admin.close()
  }
}

/**
 * Where a consumer that read every record of a transactional topic commits: after the last record of
 * each partition. The end offset lies one further, past the transaction's commit marker.
 */
async function afterLastRecords(backend: KafkaJsBackend, topic: string): Promise<Map<number, number>> {
  const after = new Map<number, number>()
  for (const r of await readTopic(backend, topic))
    after.set(r.partition, Math.max(after.get(r.partition) ?? 0, Number(r.offset) + 1))
  return after
}

/** The newest accepted ping of each real machine: where REST and WebSocket must show it. */
function newestByMachine(sim: Simulated): Map<string, MachinePing> {
  const newest = new Map<string, MachinePing>()
  for (const e of sim.emitted) {
    if (!ACCEPTED_KINDS.includes(e.kind)) continue
    const held = newest.get(e.ping.machineId)
    if (
      held === undefined ||
      e.ping.eventTime > held.eventTime ||
      (e.ping.eventTime === held.eventTime && e.ping.sequence > held.sequence)
    )
      newest.set(e.ping.machineId, e.ping)
  }
  return newest
}

interface Shown {
  readonly machineId: string
  readonly eventTime: number | string
  readonly latitude: number
  readonly longitude: number
}

/** Machines whose shown position is not their newest accepted ping. */
function mismatches(expected: Map<string, MachinePing>, shown: ReadonlyMap<string, Shown>): string[] {
  const wrong: string[] = []
  for (const [id, ping] of expected) {
    const s = shown.get(id)
    if (
      s === undefined ||
      new Date(s.eventTime).getTime() !== ping.eventTime ||
      s.latitude !== ping.latitude ||
      s.longitude !== ping.longitude
    )
      wrong.push(id)
  }
  return wrong
}

test.serial(
  'simulator → Kafka → tracking → sinks → REST and WebSocket: killed mid-batch and restarted, every ping is in ClickHouse or a dead letter, once',
  async (t) => {
    t.timeout(360_000)
    const prefix = `it-slice-${randomUUID().slice(0, 8)}`
    // The names the platform gives its topics, groups and database under this prefix.
    const names = platformNames(prefix)
    const { topics } = names
    const backend = new KafkaJsBackend({ brokers: kafkaBrokers(), clientId: prefix })
    const registry = new ConfluentSchemaRegistry({ url: serviceUrl('schemaRegistry') })
    const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-slice-'))
    // ClickHouse data must outlive the killed process: chdb in a directory (or the configured server).
    const clickhouseUrl = serviceUrl('clickhouse').startsWith('chdb:')
      ? `chdb:${join(stateDir, 'clickhouse')}`
      : serviceUrl('clickhouse')
    const mongoDb = names.mongoDatabase
    const lives: Life[] = []
    t.teardown(async () => {
      // A failed step leaves a platform running: it must not outlive the test.
      for (const life of lives) life.kill('SIGKILL')
      await Promise.all(lives.map((life) => life.exited))
      await backend.close()
      rmSync(stateDir, { recursive: true, force: true })
      const mongo = new MongoClient(serviceUrl('mongodb'))
      await mongo
        .db(mongoDb)
        .dropDatabase()
        .finally(() => mongo.close())
    })

    // Every ping of an hour of a 40-machine fleet, bad data included, is in Kafka before the platform
    // starts: the sinks then have a backlog to be killed in the middle of.
    const sim = await simulate({
      backend,
      registry,
      topics,
      partitions: TOPICS.machinePings.partitions,
      machines: MACHINES,
      minutes: MINUTES,
      startTimeMs: Date.now() - 2 * 3600_000,
    })
    const expected = expectedFrom(sim)
    const newest = newestByMachine(sim)
    const acceptedIds = new Set(
      sim.emitted.filter((e) => ACCEPTED_KINDS.includes(e.kind)).map((e) => e.ping.pingId),
    )
    t.is(acceptedIds.size, expected.acceptedPings)

    const env: NodeJS.ProcessEnv = {
      PORT: '0',
      STATE_DIR: join(stateDir, 'platform'),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: serviceUrl('schemaRegistry'),
      MONGODB_URL: serviceUrl('mongodb'),
      CLICKHOUSE_URL: clickhouseUrl,
      TOPIC_PREFIX: prefix,
      SIMULATOR: 'off',
      PROCESSING_GUARANTEE: 'exactly_once',
      // Small batches: the ClickHouse sink works through its backlog in many writes, so the kill lands
      // inside one rather than after the last.
      SINK_BATCH_RECORDS: '150',
      SINK_BATCH_WAIT_MS: '100',
    }
    const pingSink = names.group('sink-clickhouse-pings')
    // Real services make the API require tokens: the test signs its own with the key the platform loads.
    const key = await loadOrCreateLocalKey(join(stateDir, 'platform', 'auth', 'local-signing-key.json'))
    const authorization = `Bearer ${await mintToken(key, { subject: 'slice-test', scopes: ['fleet:read'] })}`
    const headers = { authorization }

    // First life: killed once the ClickHouse sink has committed part of the accepted pings.
    const first = startLife(env)
    lives.push(first)
    await first.started
    const atKill = await eventually(
      async () => {
        const p = await progress(backend, pingSink, topics.accepted)
        return p.committed > 0 && p.committed < p.end ? p : undefined
      },
      { what: 'the ClickHouse sink committing part of its backlog', timeoutMs: 120_000, intervalMs: 50 },
    )
    first.kill('SIGKILL')
    t.is(await first.exited, null)
    t.log(`killed with ${atKill.committed} of ${atKill.end} accepted pings committed by the ClickHouse sink`)

    // Second life: same state directory, groups and stores.
    const second = startLife(env)
    lives.push(second)
    const { api, live, at } = await second.started
    const restarted = at

    const ws = new WebSocket(live, { headers })
    const shownLive = new Map<string, Shown>()
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; machines?: Shown[] }
      if (frame.type === 'snapshot' || frame.type === 'update')
        for (const m of frame.machines ?? []) shownLive.set(m.machineId, m)
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(JSON.stringify({ type: 'subscribe', machineIds: [...newest.keys()] }))

    const overRest = await eventually(
      async () => {
        const body = (await (await fetch(`${api}?limit=500`, { headers })).json()) as { machines: Shown[] }
        const shown = new Map(body.machines.map((m) => [m.machineId, m]))
        return mismatches(newest, shown).length === 0 ? Date.now() - restarted : undefined
      },
      { what: 'every machine at its newest accepted ping over REST', timeoutMs: BOUND_MS, intervalMs: 250 },
    )
    const overWs = await eventually(
      async () => (mismatches(newest, shownLive).length === 0 ? Date.now() - restarted : undefined),
      {
        what: 'every machine at its newest accepted ping over WebSocket',
        timeoutMs: BOUND_MS - overRest,
        intervalMs: 250,
      },
    )
    ws.close()
    t.log(`after the restart: positions right over REST in ${overRest} ms, over WebSocket in ${overWs} ms`)

    // Every accepted ping in ClickHouse once, read back through the track API (which reads FINAL).
    const from = new Date(Math.min(...sim.emitted.map((e) => e.ping.eventTime)) - 60_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const tracked = await eventually(
      async () => {
        const ids: string[] = []
        for (const id of newest.keys()) {
          const res = await fetch(`${api}/${id}/track?from=${from}&to=${to}&limit=10000`, { headers })
          const body = (await res.json()) as { points: { pingId: string }[] }
          ids.push(...body.points.map((p) => p.pingId))
        }
        return ids.length >= acceptedIds.size ? ids : undefined
      },
      { what: 'every accepted ping in ClickHouse', timeoutMs: 60_000, intervalMs: 1000 },
    )
    t.is(tracked.length, acceptedIds.size, 'each accepted ping tracked once')
    const trackedIds = new Set(tracked)
    t.deepEqual(
      {
        missing: [...acceptedIds].filter((id) => !trackedIds.has(id)),
        unexpected: tracked.filter((id) => !acceptedIds.has(id)),
      },
      { missing: [], unexpected: [] },
    )

    // The rest are dead letters, each once (read committed: tracking runs exactly-once).
    const outputs = await readOutputs(backend, registry, topics)
    const byCode: Record<string, number> = {}
    for (const d of outputs.deadLetters) byCode[d.errorCode] = (byCode[d.errorCode] ?? 0) + 1
    t.deepEqual(
      Object.fromEntries(Object.entries(byCode).sort(([a], [b]) => a.localeCompare(b))),
      expected.deadLettersByCode,
    )
    t.is(new Set(outputs.deadLetters.map((d) => d.deadLetterId)).size, outputs.deadLetters.length)
    t.is(
      outputs.accepted.filter((p) => newest.has(p.machineId)).length,
      acceptedIds.size,
      'the accepted-pings topic holds each accepted ping once',
    )
    t.is(tracked.length + outputs.deadLetters.length, sim.emitted.length, 'every produced ping accounted for')

    // Stopped cleanly, the ClickHouse tables are read directly: rows before merges, then merged.
    const sessionsWritten = await afterLastRecords(backend, topics.sessions)
    await eventually(
      async () => {
        const p = await progress(backend, names.group('sink-clickhouse-sessions'), topics.sessions)
        return [...sessionsWritten].every(
          ([partition, after]) => (p.byPartition.get(partition) ?? 0) >= after,
        )
          ? true
          : undefined
      },
      { what: 'the sessions sink past the last session', timeoutMs: 30_000, intervalMs: 250 },
    )
    second.kill('SIGTERM')
    t.is(await second.exited, 0)

    const clickhouse = createClickHouseClient(clickhouseUrl)
    try {
      const scalar = async (query: string): Promise<number> => {
        const rows = await (
          await clickhouse.query({ query, query_params: { flush: 'FLUSH-' }, format: 'JSONEachRow' })
        ).json<{ n: number | string }>()
        return Number(rows[0]?.n)
      }
      const real = `NOT startsWith(machine_id, {flush:String})`
      const raw = await scalar(`SELECT count() AS n FROM ${FLEET_TABLES.pings} WHERE ${real}`)
      t.is(
        await scalar(`SELECT uniqExact(ping_id) AS n FROM ${FLEET_TABLES.pings} WHERE ${real}`),
        acceptedIds.size,
      )
      t.is(
        await scalar(`SELECT count() AS n FROM ${FLEET_TABLES.pings} FINAL WHERE ${real}`),
        acceptedIds.size,
      )
      // A batch written and not committed before the kill is written again, unless cut the same way
      // (same insert deduplication token): at most one batch per partition of extra rows, which the
      // ReplacingMergeTree merges away.
      t.true(raw - acceptedIds.size <= 150 * TOPICS.acceptedPings.partitions, `${raw} raw rows`)
      await clickhouse.command({ query: `OPTIMIZE TABLE ${FLEET_TABLES.pings} FINAL` })
      t.is(await scalar(`SELECT count() AS n FROM ${FLEET_TABLES.pings} WHERE ${real}`), acceptedIds.size)
      // Trips and idle periods: every session ping once, over the closed sessions.
      t.is(
        await scalar(
          `SELECT sum(ping_count) AS n FROM ${FLEET_TABLES.sessions} FINAL WHERE ${real} AND state = 'CLOSED'`,
        ),
        expected.sessionPings,
      )
      t.log(
        `${sim.emitted.length} pings: ${acceptedIds.size} in ClickHouse, ${outputs.deadLetters.length} dead letters; ` +
          `${raw - acceptedIds.size} rows rewritten after the kill before merges`,
      )
    } finally {
      await clickhouse.close()
    }

    const mongo = new MongoClient(serviceUrl('mongodb'))
    try {
      // One document per machine, however often its positions were written.
      const machines = mongo.db(mongoDb).collection<{ _id: string }>('machines')
      t.is(await machines.countDocuments({ _id: { $in: [...newest.keys()] } }), newest.size)
      t.is(await machines.countDocuments(), newest.size + TOPICS.machinePings.partitions)
    } finally {
      await mongo.close()
    }
  },
)
