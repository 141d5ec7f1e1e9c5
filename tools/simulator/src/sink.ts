import {
  Contracts,
  createAvroSerde,
  type Geofence,
  type MachinePing,
  type SchemaRegistryClient,
} from '@oxagry/avro'
import type { BackendProducer, KafkaBackend, ProducedRecord, Serde } from '@oxagry/kafka'
import { creatableTopic, geofenceKey, machineKey, TOPICS } from '@oxagry/topics'
import { SIM_ERROR_CODES, SimError } from './errors.ts'
import type { EmittedPing } from './fleet.ts'

/** Where the simulator's output goes. */
export interface PingSink {
  /** Writes the geofences, keyed by geofenceId; done once before the pings. */
  publishGeofences(geofences: readonly Geofence[]): Promise<void>
  /** Writes pings keyed by machineId, with the send time as the record timestamp. */
  send(pings: readonly EmittedPing[]): Promise<void>
  close(): Promise<void>
}

export interface SimulatorTopics {
  readonly pings: string
  readonly geofences: string
}

export const DEFAULT_SIMULATOR_TOPICS: SimulatorTopics = Object.freeze({
  pings: TOPICS.machinePings.name,
  geofences: TOPICS.geofences.name,
})

export interface SimulatorSerdes {
  readonly ping: Serde<MachinePing>
  readonly geofence: Serde<Geofence>
}

/**
 * Avro serdes for the two topics, warmed so serializing answers synchronously. `autoRegister` is for
 * tests and the embedded mode; production registers schemas from CI.
 */
export async function createSimulatorSerdes(
  registry: SchemaRegistryClient,
  topics: SimulatorTopics = DEFAULT_SIMULATOR_TOPICS,
  options: { autoRegister?: boolean } = {},
): Promise<SimulatorSerdes> {
  const autoRegister = options.autoRegister ?? false
  const [ping, geofence] = await Promise.all([
    createAvroSerde({ registry, contract: Contracts.MachinePing, topics: [topics.pings], autoRegister }),
    createAvroSerde({ registry, contract: Contracts.Geofence, topics: [topics.geofences], autoRegister }),
  ])
  return { ping, geofence }
}

export interface BackendPingSinkOptions {
  /** KafkaJsBackend for Kafka, MemoryBackend for the embedded mode: one sink covers both. */
  readonly backend: KafkaBackend
  readonly serdes: SimulatorSerdes
  readonly topics?: SimulatorTopics
  /** Create missing topics with the catalogue's partition counts first (tests, embedded mode). */
  readonly createTopics?: boolean
  /** Records per produce request. */
  readonly batchSize?: number
}

async function bytes<T>(serde: Serde<T>, topic: string, value: T): Promise<Buffer> {
  const out = serde.serialize(topic, value, {})
  return out instanceof Promise ? await out : out
}

/** A sink over the streams library's producer interface, so Kafka and the memory broker share it. */
export async function createBackendPingSink(options: BackendPingSinkOptions): Promise<PingSink> {
  const topics = options.topics ?? DEFAULT_SIMULATOR_TOPICS
  const batchSize = options.batchSize ?? 1000
  if (options.createTopics === true) {
    const admin = await options.backend.admin()
    try {
      const existing = await admin.partitionCounts([topics.pings, topics.geofences])
      const wanted = [
        creatableTopic(TOPICS.machinePings, { name: topics.pings }),
        creatableTopic(TOPICS.geofences, { name: topics.geofences }),
      ]
      await admin.createTopics(wanted.filter((t) => !existing.has(t.name)))
    } finally {
      await admin.close()
    }
  }
  const producer: BackendProducer = await options.backend.producer({ clientId: 'oxagry-simulator' })

  async function send(records: ProducedRecord[], topic: string): Promise<void> {
    for (let i = 0; i < records.length; i += batchSize) {
      try {
        await producer.send(records.slice(i, i + batchSize))
      } catch (error) {
        throw new SimError(SIM_ERROR_CODES.SINK_FAILED, `writing to ${topic} failed: ${String(error)}`, {
          cause: error,
          retriable: true,
          context: { topic },
        })
      }
    }
  }

  return {
    async publishGeofences(geofences) {
      const records: ProducedRecord[] = []
      for (const g of geofences) {
        records.push({
          topic: topics.geofences,
          key: Buffer.from(geofenceKey(g.geofenceId)),
          value: await bytes(options.serdes.geofence, topics.geofences, g),
          timestamp: g.updatedAt,
          headers: {},
        })
      }
      await send(records, topics.geofences)
    },
    async send(pings) {
      const records: ProducedRecord[] = []
      for (const p of pings) {
        records.push({
          topic: topics.pings,
          key: Buffer.from(machineKey(p.ping.machineId)),
          value: await bytes(options.serdes.ping, topics.pings, p.ping),
          timestamp: p.emittedAt,
          headers: {},
        })
      }
      await send(records, topics.pings)
    },
    close: () => producer.close(),
  }
}
