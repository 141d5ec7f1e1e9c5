import { join } from 'node:path'
import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { clickHouseFleetTarget, type ClickHouseFleetWrite } from '@oxagry/clickhouse'
import type { KafkaBackend } from '@oxagry/kafka'
import {
  decodePings,
  decodePositions,
  readModelTarget,
  runSink,
  type MachineReadModel,
  type SinkHandle,
} from '@oxagry/sink'
import { MongoMachineReadModel } from '@oxagry/sink-mongodb'
import { PostgresMachineReadModel, pgUrlExecutor } from '@oxagry/sink-postgres'
import { createTrackingSerdes, startTracking, type TrackingTopics } from '@oxagry/tracking'
import { MongoClient } from 'mongodb'
import type { Logger } from 'pino'
import type { ClickHouseSwitch } from './clickhouse-fault.ts'
import type { PartHealth } from './health-watch.ts'

/** The parts of the tracking pipeline the suite watches, as the platform's readiness reads them. */
export const PIPELINE_PARTS = {
  tracking: 'tracking',
  clickhouse: 'sink clickhouse-pings',
  mongodb: 'sink read-model (MongoDB)',
  postgres: 'sink read-model (PostgreSQL)',
} as const

export interface PipelineOptions {
  readonly backend: KafkaBackend
  readonly registry: SchemaRegistryClient
  readonly topics: TrackingTopics
  readonly prefix: string
  readonly stateDir: string
  readonly clickhouse: ClickHouseSwitch
  readonly mongodbUrl: string
  readonly postgresUrl: string
  readonly logger: Logger
}

export interface Pipeline {
  /** What each part says, by {@link PIPELINE_PARTS} name. */
  health(): Record<string, PartHealth>
  /** Per sink, what it consumed, wrote, skipped and dead-lettered since this pipeline started. */
  sinkCounts(): Promise<Record<string, SinkCounts>>
  /** The read models the sinks write, to check against what was sent. */
  readonly readModels: { readonly mongodb: MachineReadModel; readonly postgres: MachineReadModel }
  close(): Promise<void>
}

export interface SinkCounts {
  readonly consumed: number
  readonly written: number
  readonly skipped: number
  readonly deadLettered: number
}

/** The sum of a counter's series. */
async function total(counter: { get(): Promise<{ values: readonly { value: number }[] }> }): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0)
}

/**
 * The tracking application (exactly-once) and its sinks, composed as the platform's fleet module does:
 * accepted pings into ClickHouse, positions into the machine read model, here in both stores at once
 * (MongoDB and PostgreSQL), each sink a consumer group of its own with the sinks' default retry (forever).
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { backend, registry, topics, logger } = options
  const group = (name: string): string => `${options.prefix}.${name}`
  const tracking = await startTracking({
    backend,
    serdes: await createTrackingSerdes(registry, topics, { autoRegister: true }),
    topics,
    applicationId: group('tracking'),
    processingGuarantee: 'exactly_once',
    streams: {
      stateDir: join(options.stateDir, 'streams'),
      logger: logger.child({ part: 'tracking' }),
      commitIntervalMs: 500,
    },
  })
  const mongo = new MongoClient(options.mongodbUrl, { serverSelectionTimeoutMS: 5_000 })
  const readModels = {
    mongodb: new MongoMachineReadModel({ db: mongo.db(options.prefix), onClose: () => mongo.close() }),
    postgres: new PostgresMachineReadModel({
      executor: pgUrlExecutor(options.postgresUrl),
      table: options.prefix.replace(/[^a-z0-9]/g, '_'),
    }),
  }
  await readModels.mongodb.ensureIndexes()
  await readModels.postgres.ensureIndexes()
  const [pingSerde, positionSerde, deadLetterSerde] = await Promise.all([
    createAvroSerde({ registry, contract: Contracts.MachinePing }),
    createAvroSerde({ registry, contract: Contracts.MachinePosition }),
    createAvroSerde({
      registry,
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [topics.deadLetters],
    }),
  ])
  const common = {
    backend,
    logger: logger.child({ part: 'sinks' }),
    batch: { maxRecords: 500, maxWaitMs: 250 },
    deadLetter: { topic: topics.deadLetters, serializer: deadLetterSerde },
  }
  const sinks: Record<string, SinkHandle> = {
    [PIPELINE_PARTS.clickhouse]: await runSink<ClickHouseFleetWrite>({
      ...common,
      groupId: group('sink-clickhouse-pings'),
      topics: [topics.accepted],
      decode: decodePings(pingSerde),
      target: clickHouseFleetTarget(options.clickhouse.client),
    }),
    [PIPELINE_PARTS.mongodb]: await runSink({
      ...common,
      groupId: group('sink-read-model-mongodb'),
      topics: [topics.positions],
      decode: decodePositions(positionSerde),
      target: readModelTarget('read-model:mongodb', readModels.mongodb),
    }),
    [PIPELINE_PARTS.postgres]: await runSink({
      ...common,
      groupId: group('sink-read-model-postgres'),
      topics: [topics.positions],
      decode: decodePositions(positionSerde),
      target: readModelTarget('read-model:postgres', readModels.postgres),
    }),
  }
  return {
    health: () => {
      const app = tracking.streams.health()
      return {
        [PIPELINE_PARTS.tracking]: {
          ready: app.ready,
          state: app.state,
          live: app.live,
          ...(app.error === undefined ? {} : { error: `${app.error.code}: ${app.error.message}` }),
        },
        ...Object.fromEntries(
          Object.entries(sinks).map(([name, sink]) => {
            const h = sink.health()
            return [
              name,
              {
                ready: h.ready,
                state: h.state,
                live: h.live,
                ...(h.lastError === undefined
                  ? {}
                  : { error: `${h.lastError.code}: ${h.lastError.message}` }),
              },
            ]
          }),
        ),
      }
    },
    sinkCounts: async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(sinks).map(async ([name, { metrics: m }]) => [
            name,
            {
              consumed: await total(m.recordsConsumed),
              written: await total(m.rowsWritten),
              skipped: await total(m.recordsSkipped),
              deadLettered: await total(m.deadLetters),
            },
          ]),
        ),
      ) as Record<string, SinkCounts>,
    readModels,
    close: async () => {
      await Promise.allSettled(Object.values(sinks).map((s) => s.stop()))
      await tracking.close({ timeoutMs: 20_000 })
      await Promise.allSettled([readModels.mongodb.close(), readModels.postgres.close()])
    },
  }
}
