import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ConfluentSchemaRegistry,
  Contracts,
  createAvroSerde,
  type AvroContract,
  type MachinePing,
  type MachinePosition,
} from '@oxagry/avro'
import { clickHouseFleetTarget, createClickHouseClient } from '@oxagry/clickhouse'
import { createFleet } from '@oxagry/simulator'
import {
  decodePings,
  decodePositions,
  readModelTarget,
  runSink,
  type BatchOptions,
  type Decode,
  type SinkOptions,
  type SinkTarget as Target,
} from '@oxagry/sink'
import { KafkaJsBackend, type MaybePromise } from '@oxagry/kafka'
import { machineKey, TOPICS } from '@oxagry/topics'
import { nextPosition } from '@oxagry/tracking'
import type { Admin, Message } from 'kafkajs'
import { MongoClient } from 'mongodb'
import { pino } from 'pino'
import { rate } from '../stats.ts'
import { benchKafka, preload } from '../streams/kafka.ts'
import { cleanUpStack, sinkDatabase } from './cleanup.ts'
import { groupLag } from './lag.ts'
import { CountingMongoReadModel } from './read-model.ts'
import { loadAverage, type SinkResult, type SinkTarget } from './results.ts'
import type { StackServices } from './services.ts'

export interface SinkBenchOptions {
  readonly services: StackServices
  readonly prefix: string
  /** Records preloaded into each topic. */
  readonly records: number
  readonly machines: number
  /** As the platform batches: 2 000 records or 250 ms. */
  readonly batch: BatchOptions
  readonly targets: readonly SinkTarget[]
  /** A drain that finishes no write for this long has stalled: it is stopped and reported. */
  readonly stallMs: number
  /** A drain not done after this long is stopped and reported with what got through. */
  readonly timeoutMs: number
  readonly log: (line: string) => void
}

/** Accepted pings of the simulator's fleet (no bad data), one a second per machine, in time order. */
export function generatePings(machines: number, records: number, startTimeMs: number): MachinePing[] {
  const fleet = createFleet({
    machines,
    ratePerSecond: machines,
    seed: 7,
    startTimeMs,
    badData: { gpsJump: 0, outOfRange: 0, duplicate: 0, late: 0, outOfOrder: 0 },
  })
  const pings: MachinePing[] = []
  for (let t = startTimeMs; pings.length < records; t += 1000) pings.push(...fleet.tick(t).map((e) => e.ping))
  return pings.slice(0, records)
}

/** Wraps a sink's decode and target to note the first record, the writes and the CPU used since then. */
class Timed<T> {
  firstDecodeAt: number | undefined
  cpuAtFirst: NodeJS.CpuUsage | undefined
  written = 0
  lastWriteAt = 0

  decode(inner: Decode<T>): Decode<T> {
    return (record) => {
      if (this.firstDecodeAt === undefined) {
        this.firstDecodeAt = Date.now()
        this.cpuAtFirst = process.cpuUsage()
      }
      return inner(record)
    }
  }

  target(inner: Target<T>): Target<T> {
    return {
      ...inner,
      write: async (items, context) => {
        await inner.write(items, context)
        this.written += items.length
        this.lastWriteAt = Date.now()
      },
    }
  }
}

function positionOf(ping: MachinePing): MachinePosition {
  const update = nextPosition(undefined, ping, [])
  if (update === undefined) throw new Error('a first fix always moves a machine')
  return update.position
}

/** One sink draining one preloaded topic into its store. */
interface Drain<T> {
  readonly target: SinkTarget
  readonly topic: string
  readonly decode: Decode<T>
  readonly sinkTarget: Target<T>
  /** Rows or documents the store took. */
  readonly rowsWritten: () => number
  /** What the store holds afterwards, for the log. */
  readonly verify: () => Promise<string>
}

interface DrainContext {
  readonly backend: KafkaJsBackend
  readonly admin: Admin
  readonly prefix: string
  readonly records: number
  readonly batch: BatchOptions
  readonly deadLetter: SinkOptions<unknown>['deadLetter']
  readonly stallMs: number
  readonly timeoutMs: number
  readonly log: (line: string) => void
}

/**
 * Runs the sink until every record was written and the commit after the last write went through, or
 * until it stalls (no write finished for `stallMs`) or times out: then the result says so, with the
 * rates of what got through.
 */
async function drain<T>(ctx: DrainContext, d: Drain<T>): Promise<SinkResult> {
  const loadAvg = loadAverage()
  const timed = new Timed<T>()
  const groupId = `${ctx.prefix}-sink-${d.target}`
  const started = Date.now()
  const sink = await runSink<T>({
    backend: ctx.backend,
    groupId,
    topics: [d.topic],
    decode: timed.decode(d.decode),
    target: timed.target(d.sinkTarget),
    deadLetter: ctx.deadLetter,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    batch: ctx.batch,
    // Bounded: a stalled target's write never returns, and the final flush waits for it.
    shutdownTimeoutMs: 5000,
  })
  const base = { target: d.target, topic: d.topic, records: ctx.records, loadAvg }
  /**
   * What got through when the drain was given up. A stalled sink has no rate (the time it waited says
   * nothing about the store); a timed-out one's is records done over the time it had.
   */
  const partial = (kind: 'stalled' | 'timed out', error: string): SinkResult => {
    ctx.log(`sinks: ${d.target}: ${error}`)
    const from = timed.firstDecodeAt ?? started
    const ms = kind === 'stalled' ? 0 : Date.now() - from
    const cpu = process.cpuUsage(timed.cpuAtFirst)
    return {
      ...base,
      recordsDone: timed.written,
      recordsPerSec: ms > 0 ? (rate(timed.written, ms) ?? null) : null,
      rowsWritten: d.rowsWritten(),
      rowsPerSec: ms > 0 ? (rate(d.rowsWritten(), ms) ?? null) : null,
      seconds: ms > 0 ? Math.round(ms / 100) / 10 : null,
      cpuPct: ms > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / ms) * 1000) / 10 : null,
      error,
    }
  }
  try {
    const deadline = started + ctx.timeoutMs
    for (;;) {
      const health = sink.health()
      if (health.state === 'FAILED')
        throw new Error(`${d.target} sink failed: ${JSON.stringify(health.lastError)}`)
      if (timed.written >= ctx.records && (health.lastCommitAt ?? 0) >= timed.lastWriteAt) break
      const quietSince = Math.max(timed.lastWriteAt, timed.firstDecodeAt ?? started)
      if (Date.now() - quietSince > ctx.stallMs)
        return partial(
          'stalled',
          `stalled: ${timed.written} of ${ctx.records} records written, then no write finished in ${ctx.stallMs / 1000} s`,
        )
      if (Date.now() > deadline)
        return partial(
          'timed out',
          `timed out: ${timed.written} of ${ctx.records} records written in ${ctx.timeoutMs / 1000} s`,
        )
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const doneAt = sink.health().lastCommitAt as number
    const cpu = process.cpuUsage(timed.cpuAtFirst)
    const lag = await groupLag(ctx.admin, { groupId, topic: d.topic })
    if (lag !== 0) throw new Error(`${d.target}: ${lag} records not committed after the last write`)
    const ms = doneAt - (timed.firstDecodeAt as number)
    const result: SinkResult = {
      ...base,
      recordsDone: ctx.records,
      recordsPerSec: rate(ctx.records, ms) ?? null,
      rowsWritten: d.rowsWritten(),
      rowsPerSec: rate(d.rowsWritten(), ms) ?? null,
      seconds: Math.round(ms / 100) / 10,
      cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / ms) * 1000) / 10,
    }
    ctx.log(
      `sinks: ${d.target}: ${ctx.records} records in ${ms} ms (${result.recordsPerSec}/s); ${await d.verify()}`,
    )
    return result
  } finally {
    await sink.stop()
  }
}

/**
 * Preloads `records` accepted pings and as many positions (those of the pings: `records / machines`
 * updates per machine), then drains each topic with `runSink` into its store, one store at a time,
 * from the first record decoded to the last offset committed.
 */
export async function runSinks(options: SinkBenchOptions): Promise<SinkResult[]> {
  const { services, prefix, log } = options
  const backend = new KafkaJsBackend({ brokers: services.brokers, clientId: 'oxagry-bench-sinks' })
  const kafka = benchKafka(services.brokers)
  const admin = kafka.admin()
  const databases: string[] = []
  const chdbDir = mkdtempSync(join(tmpdir(), `${prefix}-chdb-`))
  const named = (name: string): string => `${prefix}.${name}`
  const topics = {
    accepted: named(TOPICS.acceptedPings.name),
    positions: named(TOPICS.machinePositions.name),
    deadLetters: named(TOPICS.fleetDeadLetters.name),
  }
  try {
    await admin.connect()
    const backendAdmin = await backend.admin()
    await backendAdmin.createTopics(
      [TOPICS.acceptedPings, TOPICS.machinePositions, TOPICS.fleetDeadLetters].map((t) => ({
        name: named(t.name),
        partitions: t.partitions,
        config: { 'cleanup.policy': t.cleanupPolicy, ...t.config },
      })),
    )
    await backendAdmin.close()
    const registry = new ConfluentSchemaRegistry({ url: services.registryUrl, clientId: 'oxagry-bench' })
    const serde = <V>(contract: AvroContract<V>, topic: string) =>
      createAvroSerde({ registry, contract, autoRegister: true, topics: [topic] })
    const pingSerde = await serde(Contracts.MachinePing, topics.accepted)
    const positionSerde = await serde(Contracts.MachinePosition, topics.positions)
    const deadLetterSerde = await serde(Contracts.DeadLetter, topics.deadLetters)

    const started = Date.now()
    const pings = generatePings(options.machines, options.records, started - options.records * 10)
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const message = (ping: MachinePing, value: MaybePromise<Buffer>): Message => {
      // Warmed serdes (their topics given) serialize synchronously.
      if (value instanceof Promise) throw new Error('a warmed serde returned a promise')
      return { key: machineKey(ping.machineId), value, timestamp: String(ping.eventTime) }
    }
    await preload(
      producer,
      topics.accepted,
      pings.map((p) => message(p, pingSerde.serialize(topics.accepted, p, {}))),
    )
    await preload(
      producer,
      topics.positions,
      pings.map((p) => message(p, positionSerde.serialize(topics.positions, positionOf(p), {}))),
    )
    await producer.disconnect()
    log(
      `sinks: preloaded ${options.records} pings and positions of ${options.machines} machines in ${Date.now() - started} ms`,
    )

    const ctx: DrainContext = {
      backend,
      admin,
      prefix,
      records: options.records,
      batch: options.batch,
      deadLetter: { topic: topics.deadLetters, serializer: deadLetterSerde },
      stallMs: options.stallMs,
      timeoutMs: options.timeoutMs,
      log,
    }
    const results: SinkResult[] = []
    for (const target of options.targets) {
      if (target === 'clickhouse') {
        const client = createClickHouseClient(`chdb:${chdbDir}`)
        try {
          results.push(
            await drain(ctx, {
              target,
              topic: topics.accepted,
              decode: decodePings(pingSerde),
              sinkTarget: clickHouseFleetTarget(client),
              rowsWritten: () => options.records,
              verify: async () => {
                const rows = await client.query({
                  query: 'SELECT count() AS n FROM machine_pings',
                  format: 'JSONEachRow',
                })
                return `ClickHouse holds ${((await rows.json()) as { n: string }[])[0]?.n} ping rows`
              },
            }),
          )
        } finally {
          await client.close()
        }
      } else {
        // A database of its own, dropped afterwards.
        const database = sinkDatabase(prefix, target)
        databases.push(database)
        const mongo = new MongoClient(services.mongodbUrl, { serverSelectionTimeoutMS: 10_000 })
        const readModel = new CountingMongoReadModel({ db: mongo.db(database), onClose: () => mongo.close() })
        results.push(
          await drain(ctx, {
            target,
            topic: topics.positions,
            decode: decodePositions(positionSerde),
            sinkTarget: {
              ...readModelTarget('read-model:machines', readModel),
              close: () => readModel.close(),
            },
            rowsWritten: () => readModel.applied,
            verify: async () => {
              const check = new MongoClient(services.mongodbUrl, { serverSelectionTimeoutMS: 10_000 })
              try {
                const n = await check.db(database).collection('machines').countDocuments()
                return `MongoDB holds ${n} machines`
              } finally {
                await check.close()
              }
            },
          }),
        )
      }
    }
    return results
  } finally {
    const problems = await cleanUpStack(admin, services, prefix, { mongoDatabases: databases })
    for (const p of problems) log(`cleanup: ${p}`)
    await admin.disconnect()
    await backend.close()
    rmSync(chdbDir, { recursive: true, force: true })
  }
}
