import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import {
  Contracts,
  createAvroSerde,
  type Geofence as GeofenceRecord,
  type MachinePosition as PositionRecord,
} from '@oxagry/avro'
import {
  clickHouseFleetTarget,
  machineTrack,
  machineTrips,
  type ClickHouseFleetWrite,
} from '@oxagry/clickhouse'
import { LatestPositions, type Geofence, type MachinePosition, type MachineQueries } from '@oxagry/fleet-api'
import {
  createBackendPingSink,
  createFleet,
  createSimulatorSerdes,
  nextLife,
  runSimulator,
} from '@oxagry/simulator'
import {
  decodePings,
  decodePositions,
  decodeSessions,
  readModelTarget,
  runSink,
  type MachineReadModel,
  type MachineState,
  type SinkHandle,
} from '@oxagry/sink'
import { MongoMachineReadModel } from '@oxagry/sink-mongodb'
import { PostgresMachineReadModel, pgliteExecutor } from '@oxagry/sink-postgres'
import { createTrackingSerdes, startTracking } from '@oxagry/tracking'
import { MongoClient } from 'mongodb'
import {
  applicationStreams,
  Closers,
  type DomainModule,
  type PlatformContext,
  type RunningPart,
  type StartedModule,
} from '../module.ts'
import { FLEET } from '../names.ts'
import { sinkPart } from '../parts.ts'

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

/** The machine read model: MongoDB when configured, PGlite (embedded PostgreSQL) otherwise. */
function openReadModel(context: PlatformContext, mongoDatabase: string): MachineReadModel {
  const { config } = context
  if (config.mongodbUrl !== undefined) {
    const mongo = new MongoClient(config.mongodbUrl, { serverSelectionTimeoutMS: 10_000 })
    context.describe('readModel', `MongoDB ${config.mongodbUrl}`)
    return new MongoMachineReadModel({ db: mongo.db(mongoDatabase), onClose: () => mongo.close() })
  }
  const dir = join(config.stateDir, 'pglite')
  context.describe('readModel', `embedded PostgreSQL (PGlite, ${dir})`)
  return new PostgresMachineReadModel({ executor: pgliteExecutor(new PGlite(dir), { owns: true }) })
}

/**
 * Live machine tracking: simulator → pings → the tracking application → accepted pings, positions,
 * transitions, sessions, dead letters → ClickHouse and the read model → REST, the live feed and the map.
 */
export function fleetModule(options: { mongoDatabase: string }): DomainModule {
  return {
    name: 'fleet',
    topics: Object.values(FLEET),
    async start(context: PlatformContext): Promise<StartedModule> {
      const { config, backend, registry, logger } = context
      const closers = new Closers(logger)
      const topics = Object.fromEntries(
        Object.entries(FLEET).map(([k, spec]) => [k, context.topic(spec)]),
      ) as Record<keyof typeof FLEET, string>
      try {
        const applications: Record<string, RunningPart> = {}
        if (context.runs('tracking')) {
          const tracking = await startTracking({
            backend,
            serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
            topics,
            applicationId: context.group('tracking'),
            processingGuarantee: config.processingGuarantee,
            streams: applicationStreams(context, 'tracking', { commitIntervalMs: 1000 }),
          })
          closers.add(() => tracking.close({ timeoutMs: 20_000 }))
          applications.tracking = tracking.streams
        }

        // The sink writes the read model and the API reads it: opened when either runs here.
        const readModel =
          context.runs('sink-read-model') || context.runs('api')
            ? openReadModel(context, options.mongoDatabase)
            : undefined
        if (readModel !== undefined) {
          await readModel.ensureIndexes()
          closers.add(() => readModel.close())
        }
        const sinks = await startFleetSinks(context, topics, readModel)
        closers.add(async () => void (await Promise.all(Object.values(sinks).map((s) => s.stop()))))
        if (readModel === undefined || !context.runs('api'))
          return { applications, sinks, routes: [], close: () => closers.closeAll() }

        // The live feed reads the positions topic itself, so it works whatever store holds the read model.
        const [positionSerde, geofenceSerde] = await Promise.all([
          createAvroSerde({ registry, contract: Contracts.MachinePosition }),
          createAvroSerde({ registry, contract: Contracts.Geofence }),
        ])
        const positions = new LatestPositions()
        const geofences = new Map<string, Geofence>()
        const feeds = [
          await context.follow(topics.positions, async (bytes) => {
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
          await context.follow(topics.geofences, async (bytes) => {
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
        closers.add(async () => void (await Promise.all(feeds.map((f) => f.stop()))))

        return {
          applications,
          sinks,
          routes: [
            {
              kind: 'fleet-api',
              ports: {
                machines: machineQueries(readModel),
                history: {
                  track: async (id, from, to, limit) =>
                    machineTrack(context.clickhouse, id, from, to, { limit }),
                  trips: async (id, from, to, limit) =>
                    machineTrips(context.clickhouse, id, { from, to, limit }),
                },
                geofences: { list: async () => [...geofences.values()] },
                feed: positions,
              },
            },
          ],
          notReady: () =>
            feeds.every((feed) => feed.loaded()) ? undefined : 'the live view of positions is still loading',
          ...(context.simulating ? { startTraffic: () => startFleetSimulator(context, topics) } : {}),
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}

/**
 * The fleet's sinks this process runs: validated pings and sessions into ClickHouse, positions into the
 * read model (which the caller opened and closes), each with the fleet's dead letters.
 */
async function startFleetSinks(
  context: PlatformContext,
  topics: Record<keyof typeof FLEET, string>,
  readModel: MachineReadModel | undefined,
): Promise<Record<string, SinkHandle>> {
  const { registry } = context
  const sinks: Record<string, SinkHandle> = {}
  const runs = ['clickhouse-pings', 'clickhouse-sessions', 'read-model'].filter((key) =>
    context.runs(sinkPart(key)),
  )
  if (runs.length === 0) return sinks
  const deadLetter = {
    topic: topics.deadLetters,
    serializer: await createAvroSerde({
      registry,
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [topics.deadLetters],
    }),
  }
  const common = { ...context.sinks, deadLetter }
  try {
    if (runs.includes('clickhouse-pings'))
      sinks['clickhouse-pings'] = await runSink<ClickHouseFleetWrite>({
        ...common,
        groupId: context.group('sink-clickhouse-pings'),
        // Validated pings, each once: ClickHouse rows plus dead letters account for every raw ping.
        topics: [topics.accepted],
        decode: decodePings(await createAvroSerde({ registry, contract: Contracts.MachinePing })),
        target: clickHouseFleetTarget(context.clickhouse),
      })
    if (runs.includes('clickhouse-sessions'))
      sinks['clickhouse-sessions'] = await runSink<ClickHouseFleetWrite>({
        ...common,
        groupId: context.group('sink-clickhouse-sessions'),
        topics: [topics.sessions],
        decode: decodeSessions(await createAvroSerde({ registry, contract: Contracts.MachineSession })),
        // The pings' sink migrates the tables when it runs here; alone, this one does.
        target: clickHouseFleetTarget(context.clickhouse, { migrate: !runs.includes('clickhouse-pings') }),
      })
    if (runs.includes('read-model') && readModel !== undefined)
      sinks['read-model'] = await runSink({
        ...common,
        groupId: context.group('sink-read-model'),
        topics: [topics.positions],
        decode: decodePositions(await createAvroSerde({ registry, contract: Contracts.MachinePosition })),
        // Its indexes were made when it was opened.
        target: readModelTarget('read-model:machines', readModel, { ensureIndexes: false }),
      })
  } catch (error) {
    await Promise.all(Object.values(sinks).map((s) => s.stop()))
    throw error
  }
  return sinks
}

/** The simulated fleet, writing pings and geofences until stopped. */
async function startFleetSimulator(
  context: PlatformContext,
  topics: Record<keyof typeof FLEET, string>,
): Promise<() => Promise<void>> {
  const { simulator } = context.config
  const serdes = await createSimulatorSerdes(context.registry, topics, { autoRegister: true })
  const sink = await createBackendPingSink({ backend: context.backend, serdes, topics })
  // A restarted platform's simulator continues (its next life) instead of replaying ping ids.
  const life = nextLife(join(context.config.stateDir, 'simulator', 'life'))
  const fleet = createFleet({
    machines: simulator.machines,
    ratePerSecond: simulator.rate,
    seed: simulator.seed,
    life,
  })
  // Bookings' fulfilment: a booked machine is sent to its field (tools/main/src/modules/bookings.ts).
  context.simulation.dispatch = (machineId, fieldId, arriveAt) => fleet.dispatch(machineId, fieldId, arriveAt)
  const abort = new AbortController()
  const running = runSimulator({ fleet, sink, signal: abort.signal }).catch((error: unknown) =>
    context.logger.error({ err: error }, 'simulator stopped'),
  )
  context.describe(
    'simulator',
    `${simulator.machines} machines, ${simulator.rate} pings/s, seed ${simulator.seed}, life ${life}`,
  )
  return async () => {
    delete context.simulation.dispatch
    abort.abort()
    await running
    await sink.close()
  }
}
