import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import {
  ConfluentSchemaRegistry,
  Contracts,
  createAvroSerde,
  type Geofence as GeofenceRecord,
  type MachinePosition as PositionRecord,
} from '@oxagry/avro'
import {
  clickHouseFleetTarget,
  createClickHouseClient,
  machineTrack,
  machineTrips,
  type ClickHouseFleetWrite,
} from '@oxagry/clickhouse'
import {
  buildApp,
  LatestPositions,
  type Geofence,
  type MachinePosition,
  type MachineQueries,
} from '@oxagry/fleet-api'
import { startEmbeddedRegistry } from '@oxagry/registry'
import { createBackendPingSink, createFleet, createSimulatorSerdes, runSimulator } from '@oxagry/simulator'
import {
  decodePings,
  decodePositions,
  decodeSessions,
  readModelTarget,
  runSink,
  type MachineReadModel,
  type MachineState,
  type SinkHandle,
  type SinkHealth,
} from '@oxagry/sink'
import { MongoMachineReadModel } from '@oxagry/sink-mongodb'
import { PostgresMachineReadModel, pgliteExecutor } from '@oxagry/sink-postgres'
import {
  describeConnection,
  KafkaJsBackend,
  MemoryBackend,
  type Following,
  type KafkaBackend,
} from '@oxagry/kafka'
import { createTrackingSerdes, startTracking, type Tracking } from '@oxagry/tracking'
import { MongoClient } from 'mongodb'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { MainConfig } from './config.ts'
import { FLEET, platformNames } from './names.ts'

export interface Platform {
  readonly urls: {
    readonly api: string
    readonly docs: string
    readonly map: string
    readonly live: string
    readonly metrics: string
  }
  /** What runs where: embedded or the real service's address. */
  readonly services: Readonly<Record<string, string>>
  readonly positions: LatestPositions
  /** The tracking job's and each sink's health: what to look at when something does not arrive. */
  health(): { tracking: ReturnType<Tracking['streams']['health']>; sinks: Record<string, SinkHealth> }
  close(options?: { timeoutMs?: number }): Promise<void>
}

function toApi(state: MachineState): MachinePosition {
  return {
    machineId: state.machineId,
    eventTime: state.eventTime,
    latitude: state.latitude,
    longitude: state.longitude,
    speedKmh: state.speedKmh,
    headingDegrees: state.headingDegrees,
    accuracyMeters: state.accuracyMeters,
    engineState: state.engineState,
    fuelLevelPercent: state.fuelLevelPercent,
    geofenceIds: state.geofenceIds,
  }
}

/** The API's machine queries over the read model (whichever store holds it). */
function machineQueries(readModel: MachineReadModel): MachineQueries {
  return {
    get: async (id) => {
      const state = await readModel.get(id)
      return state === undefined ? undefined : toApi(state)
    },
    list: async (query) => {
      const page = await readModel.list({
        limit: query.limit,
        ...(query.status === undefined
          ? {}
          : { status: query.status.toUpperCase() as MachineState['status'] }),
        ...(query.bbox === undefined ? {} : { bbox: query.bbox }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      })
      return {
        machines: page.items.map(toApi),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      }
    },
  }
}

/**
 * Starts the whole live-tracking slice in this process: simulator → pings topic → tracking → accepted
 * pings, positions, transitions, sessions, dead letters → sinks (ClickHouse, the read model) → REST, WebSocket and the map. Each service
 * is the real one when its URL is configured and the embedded default otherwise.
 */
export async function startPlatform(config: MainConfig, logger: Logger): Promise<Platform> {
  mkdirSync(config.stateDir, { recursive: true })
  const closers: (() => Promise<void>)[] = []
  const close = async (): Promise<void> => {
    for (const c of closers.reverse())
      await c().catch((error: unknown) => logger.warn({ err: error }, 'close failed'))
  }
  try {
    const metrics = new Registry()
    const services: Record<string, string> = {}

    const backend: KafkaBackend =
      config.kafka === undefined
        ? new MemoryBackend()
        : new KafkaJsBackend({ ...config.kafka, logger: logger.child({ component: 'kafkajs' }) })
    services.kafka =
      config.kafka === undefined ? 'embedded (in-process broker)' : describeConnection(config.kafka)
    if (backend instanceof KafkaJsBackend) closers.push(() => backend.close())

    let registryUrl = config.schemaRegistryUrl
    if (registryUrl === undefined) {
      const embedded = await startEmbeddedRegistry()
      closers.push(() => embedded.close())
      registryUrl = embedded.url
      services.registry = `embedded (${registryUrl})`
    } else services.registry = registryUrl
    const registry = new ConfluentSchemaRegistry({ url: registryUrl, clientId: 'oxagry-main' })

    const names = platformNames(config.topicPrefix)
    const { topics, group } = names
    const admin = await backend.admin()
    await admin.createTopics(
      Object.entries(FLEET).map(([k, t]) => ({
        name: topics[k as keyof typeof FLEET],
        partitions: t.partitions,
        config: { 'cleanup.policy': t.cleanupPolicy, ...t.config },
      })),
    )
    await admin.close()

    const tracking: Tracking = await startTracking({
      backend,
      serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
      topics,
      applicationId: group('tracking'),
      processingGuarantee: config.processingGuarantee,
      streams: {
        stateDir: join(config.stateDir, 'streams'),
        logger: logger.child({ component: 'tracking' }),
        metricsRegistry: metrics,
        commitIntervalMs: 1000,
      },
    })
    closers.push(() => tracking.close({ timeoutMs: 20_000 }))

    const clickhouse = createClickHouseClient(config.clickhouseUrl)
    closers.push(() => clickhouse.close())
    services.clickhouse = config.clickhouseUrl

    let readModel: MachineReadModel
    if (config.mongodbUrl !== undefined) {
      const mongo = new MongoClient(config.mongodbUrl, { serverSelectionTimeoutMS: 10_000 })
      readModel = new MongoMachineReadModel({
        db: mongo.db(names.mongoDatabase),
        onClose: () => mongo.close(),
      })
      services.readModel = `MongoDB ${config.mongodbUrl}`
    } else {
      const pglite = new PGlite(join(config.stateDir, 'pglite'))
      readModel = new PostgresMachineReadModel({ executor: pgliteExecutor(pglite, { owns: true }) })
      services.readModel = `embedded PostgreSQL (PGlite, ${join(config.stateDir, 'pglite')})`
    }
    await readModel.ensureIndexes()

    const [pingSerde, positionSerde, sessionSerde, deadLetterSerde, geofenceSerde] = await Promise.all([
      createAvroSerde({ registry, contract: Contracts.MachinePing }),
      createAvroSerde({ registry, contract: Contracts.MachinePosition }),
      createAvroSerde({ registry, contract: Contracts.MachineSession }),
      createAvroSerde({
        registry,
        contract: Contracts.DeadLetter,
        autoRegister: true,
        topics: [topics.deadLetters],
      }),
      createAvroSerde({ registry, contract: Contracts.Geofence }),
    ])
    const sinkCommon = {
      backend,
      deadLetter: { topic: topics.deadLetters, serializer: deadLetterSerde },
      logger: logger.child({ component: 'sinks' }),
      metricsRegistry: metrics,
      batch: config.sinkBatch,
    }
    const sinks: SinkHandle[] = [
      await runSink<ClickHouseFleetWrite>({
        ...sinkCommon,
        groupId: group('sink-clickhouse-pings'),
        // Validated pings, each once: ClickHouse rows plus dead letters account for every raw ping.
        topics: [topics.accepted],
        decode: decodePings(pingSerde),
        target: clickHouseFleetTarget(clickhouse),
      }),
      await runSink<ClickHouseFleetWrite>({
        ...sinkCommon,
        groupId: group('sink-clickhouse-sessions'),
        topics: [topics.sessions],
        decode: decodeSessions(sessionSerde),
        target: clickHouseFleetTarget(clickhouse, { migrate: false }),
      }),
      await runSink({
        ...sinkCommon,
        groupId: group('sink-read-model'),
        topics: [topics.positions],
        decode: decodePositions(positionSerde),
        target: { ...readModelTarget('read-model:machines', readModel), close: () => readModel.close() },
      }),
    ]
    closers.push(async () => void (await Promise.all(sinks.map((s) => s.stop()))))

    // The live feed reads the positions topic itself, so it works whatever store holds the read model.
    const positions = new LatestPositions()
    const geofences = new Map<string, Geofence>()
    const follow = async (topic: string, onValue: (value: Buffer) => Promise<void>): Promise<Following> => {
      const feedAdmin = await backend.admin()
      const ends = await feedAdmin.endOffsets(topic).finally(() => feedAdmin.close())
      const reader = backend.reader({
        clientId: 'oxagry-api',
        readCommitted: config.processingGuarantee === 'exactly_once',
      })
      return reader.follow(
        [...ends.keys()].map((partition) => ({ topic, partition, offset: '0' })),
        async (records) => {
          for (const r of records) {
            if (r.value === null) continue
            await onValue(r.value).catch((error: unknown) =>
              logger.warn({ err: error, topic, offset: r.offset }, 'feed record skipped'),
            )
          }
        },
      )
    }
    const feeds = [
      await follow(topics.positions, async (bytes) => {
        const p = (await positionSerde.deserialize(topics.positions, bytes, {})) as PositionRecord
        positions.publish({
          machineId: p.machineId,
          eventTime: p.eventTime,
          latitude: p.latitude,
          longitude: p.longitude,
          speedKmh: p.speedKmh,
          headingDegrees: p.headingDegrees,
          accuracyMeters: p.accuracyMeters,
          engineState: p.engineState,
          fuelLevelPercent: p.fuelLevelPercent,
          geofenceIds: [...p.geofenceIds],
        })
      }),
      await follow(topics.geofences, async (bytes) => {
        const g = (await geofenceSerde.deserialize(topics.geofences, bytes, {})) as GeofenceRecord
        if (!g.active) geofences.delete(g.geofenceId)
        else
          geofences.set(g.geofenceId, {
            geofenceId: g.geofenceId,
            name: g.name,
            kind: g.kind,
            boundary: g.boundary.map((p) => ({ latitude: p.latitude, longitude: p.longitude })),
          })
      }),
    ]
    closers.push(async () => void (await Promise.all(feeds.map((f) => f.stop()))))

    const { app } = await buildApp({
      machines: machineQueries(readModel),
      history: {
        track: async (id, from, to, limit) => machineTrack(clickhouse, id, from, to, { limit }),
        trips: async (id, from, to, limit) => machineTrips(clickhouse, id, { from, to, limit }),
      },
      geofences: { list: async () => [...geofences.values()] },
      feed: positions,
      readiness: {
        notReady: async () => {
          const health = tracking.streams.health()
          return health.ready ? undefined : `tracking is ${health.state}`
        },
      },
      registry: metrics,
      logger: false,
    })
    closers.push(() => app.close())

    if (config.simulator.enabled) {
      const simSerdes = await createSimulatorSerdes(registry, topics, { autoRegister: true })
      const sink = await createBackendPingSink({ backend, serdes: simSerdes, topics })
      const fleet = createFleet({
        machines: config.simulator.machines,
        ratePerSecond: config.simulator.rate,
        seed: config.simulator.seed,
      })
      const abort = new AbortController()
      const running = runSimulator({ fleet, sink, signal: abort.signal }).catch((error: unknown) =>
        logger.error({ err: error }, 'simulator stopped'),
      )
      closers.push(async () => {
        abort.abort()
        await running
        await sink.close()
      })
      services.simulator = `${config.simulator.machines} machines, ${config.simulator.rate} pings/s, seed ${config.simulator.seed}`
    }

    const address = await app.listen({ port: config.port, host: config.host })
    const base = address.replace('[::1]', 'localhost')
    return {
      urls: {
        api: `${base}/api/v1/machines`,
        docs: `${base}/docs`,
        map: `${base}/map`,
        live: `${base.replace(/^http/, 'ws')}/ws/machines`,
        metrics: `${base}/metrics`,
      },
      services,
      positions,
      health: () => ({
        tracking: tracking.streams.health(),
        sinks: Object.fromEntries(
          sinks.map((sink, i) => [
            ['clickhouse-pings', 'clickhouse-sessions', 'read-model'][i] ?? String(i),
            sink.health(),
          ]),
        ),
      }),
      close: async (options) => {
        const timeout = new Promise<void>((resolve) =>
          setTimeout(resolve, options?.timeoutMs ?? 30_000).unref(),
        )
        await Promise.race([close(), timeout])
      },
    }
  } catch (error) {
    await close()
    throw error
  }
}
