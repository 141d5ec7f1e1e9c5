import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import type { BackendProducer, KafkaBackend, ProducedRecord, Serde } from '@oxagry/kafka'
import { creatableTopic, TOPICS } from '@oxagry/topics'
import { SIM_ERROR_CODES, SimError } from '../errors.ts'
import type { MarketRecord } from './market.ts'

/** Where each kind of market record goes. */
export interface MarketTopics {
  readonly product: string
  readonly stock: string
  readonly order: string
  readonly command: string
}

export const DEFAULT_MARKET_TOPICS: MarketTopics = Object.freeze({
  product: TOPICS.products.name,
  stock: TOPICS.stockCommands.name,
  order: TOPICS.orderEvents.name,
  command: TOPICS.orderCommands.name,
})

const SPECS = {
  product: TOPICS.products,
  stock: TOPICS.stockCommands,
  order: TOPICS.orderEvents,
  command: TOPICS.orderCommands,
} as const

export interface MarketSink {
  send(records: readonly MarketRecord[]): Promise<void>
  close(): Promise<void>
}

export interface MarketSinkOptions {
  readonly backend: KafkaBackend
  readonly registry: SchemaRegistryClient
  readonly topics?: MarketTopics
  /** Register the contracts (tests, embedded mode); production registers them from CI. */
  readonly autoRegister?: boolean
  /** Create missing topics with the catalogue's partition counts first (tests, embedded mode). */
  readonly createTopics?: boolean
}

/** Writes market records as Avro on their catalogue topics, over any backend (Kafka or the memory broker). */
export async function createMarketSink(options: MarketSinkOptions): Promise<MarketSink> {
  const topics = options.topics ?? DEFAULT_MARKET_TOPICS
  const autoRegister = options.autoRegister ?? false
  const { registry } = options
  const serdes = {
    product: await createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.Product,
      topics: [topics.product],
    }),
    stock: await createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.StockCommand,
      topics: [topics.stock],
    }),
    order: await createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.OrderEvent,
      topics: [topics.order],
    }),
    command: await createAvroSerde({
      registry,
      autoRegister,
      contract: Contracts.OrderCommand,
      topics: [topics.command],
    }),
  }
  if (options.createTopics === true) {
    const admin = await options.backend.admin()
    try {
      const names = Object.values(topics)
      const existing = await admin.partitionCounts(names)
      const wanted = (Object.keys(SPECS) as (keyof MarketTopics)[]).map((kind) =>
        creatableTopic(SPECS[kind], { name: topics[kind] }),
      )
      await admin.createTopics(wanted.filter((t) => !existing.has(t.name)))
    } finally {
      await admin.close()
    }
  }
  const producer: BackendProducer = await options.backend.producer({ clientId: 'oxagry-market-simulator' })
  const encode = async (r: MarketRecord): Promise<ProducedRecord> => {
    const topic = topics[r.kind]
    const serde = serdes[r.kind] as Serde<MarketRecord['value']>
    const value = await serde.serialize(topic, r.value, {})
    return { topic, key: Buffer.from(r.key), value, timestamp: r.at, headers: {} }
  }
  return {
    async send(records) {
      if (records.length === 0) return
      const produced = await Promise.all(records.map(encode))
      try {
        await producer.send(produced)
      } catch (error) {
        throw new SimError(SIM_ERROR_CODES.SINK_FAILED, `writing market records failed: ${String(error)}`, {
          cause: error,
          retriable: true,
        })
      }
    },
    close: () => producer.close(),
  }
}
