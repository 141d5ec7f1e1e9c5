import { MongoClient } from 'mongodb'
import { pino, type Logger } from 'pino'
import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import { clickHouseFleetTarget, type ClickHouseFleetWrite } from '@oxagry/clickhouse'
import type { ClickHouseClient } from '@clickhouse/client'
import {
  decodePings,
  decodePositions,
  readModelTarget,
  runSink,
  type BatchOptions,
  type SinkHandle,
  type SinkTarget,
} from '@oxagry/sink'
import type { KafkaBackend } from '@oxagry/kafka'
import { MongoMachineReadModel } from './read-model.ts'

export interface FleetSinksOptions {
  readonly backend: KafkaBackend
  readonly registry: SchemaRegistryClient
  /** `acceptedPings`: the tracking job's validated pings, written to ClickHouse as ping facts. */
  readonly topics: {
    readonly acceptedPings: string
    readonly positions: string
    readonly deadLetters: string
  }
  readonly mongo: { readonly url: string; readonly database: string }
  readonly clickhouse: ClickHouseClient
  /** Consumer groups are `<prefix>-clickhouse-pings` and `<prefix>-mongodb-positions`. */
  readonly groupPrefix: string
  readonly batch?: BatchOptions
  readonly logger?: Logger
  /** Wraps each target, e.g. to slow it down in a crash test. */
  readonly wrap?: <T>(target: SinkTarget<T>) => SinkTarget<T>
}

/**
 * The live-tracking sinks together: accepted pings into ClickHouse, positions into the MongoDB read model.
 * What a deployment runs (and what the crash test kills).
 */
export async function startFleetSinks(
  options: FleetSinksOptions,
): Promise<{ sinks: SinkHandle[]; stop(): Promise<void> }> {
  const { registry, topics } = options
  const logger = options.logger ?? pino({ name: 'fleet-sinks' })
  const wrap = options.wrap ?? (<T>(t: SinkTarget<T>) => t)
  const [pings, positions, deadLetters] = await Promise.all([
    createAvroSerde({ registry, contract: Contracts.MachinePing }),
    createAvroSerde({ registry, contract: Contracts.MachinePosition }),
    createAvroSerde({
      registry,
      contract: Contracts.DeadLetter,
      autoRegister: true,
      topics: [topics.deadLetters],
    }),
  ])
  const mongo = new MongoClient(options.mongo.url, { serverSelectionTimeoutMS: 10_000 })
  const readModel = new MongoMachineReadModel({
    db: mongo.db(options.mongo.database),
    onClose: () => mongo.close(),
  })
  const common = {
    backend: options.backend,
    deadLetter: { topic: topics.deadLetters, serializer: deadLetters },
    logger,
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  }
  const sinks: SinkHandle[] = []
  try {
    sinks.push(
      await runSink<ClickHouseFleetWrite>({
        ...common,
        groupId: `${options.groupPrefix}-clickhouse-pings`,
        topics: [topics.acceptedPings],
        decode: decodePings(pings),
        target: wrap(clickHouseFleetTarget(options.clickhouse)),
      }),
    )
    sinks.push(
      await runSink({
        ...common,
        groupId: `${options.groupPrefix}-mongodb-positions`,
        topics: [topics.positions],
        decode: decodePositions(positions),
        target: wrap({ ...readModelTarget('mongodb:machines', readModel), close: () => readModel.close() }),
      }),
    )
  } catch (error) {
    // Half a deployment is not left running: the sinks that started stop, and the Mongo client (which a
    // sink that failed early never got to close) is closed.
    await Promise.all(sinks.map((s) => s.stop()))
    await mongo.close().catch((e: unknown) => logger.warn({ err: e }, 'closing the MongoDB client failed'))
    throw error
  }
  return { sinks, stop: async () => void (await Promise.all(sinks.map((s) => s.stop()))) }
}
