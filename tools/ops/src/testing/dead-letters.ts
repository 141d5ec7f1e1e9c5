import { Contracts, createAvroSerde, type SchemaRegistryClient } from '@oxagry/avro'
import type { BrokerRecord } from '@oxagry/kafka'
import { deadLetterRecord, type DeadLetterSource } from '@oxagry/topics'

/** A failure as an application reports it, with what a test does not care about filled in. */
export function failure(overrides: Partial<DeadLetterSource> = {}): DeadLetterSource {
  return {
    application: 'orders-app',
    stage: 'PROCESSING',
    topic: 'orders.order-commands.v1',
    partition: 1,
    offset: 17,
    timestamp: Date.UTC(2026, 10, 30, 9, 30),
    key: Buffer.from('O-1'),
    value: Buffer.from([0, 0, 0, 0, 7, 2, 4]),
    headers: { traceparent: Buffer.from('00-abc-def-01') },
    errorCode: 'OXA_ORDERS_INVALID',
    errorMessage: 'quantity must be positive',
    ...overrides,
  }
}

/** Dead-letter records as they sit on a dead-letter topic: the catalogue's envelope, Confluent-framed. */
export async function deadLetterRecords(
  registry: SchemaRegistryClient,
  topic: string,
  sources: readonly DeadLetterSource[],
  partition = 0,
): Promise<BrokerRecord[]> {
  const serde = await createAvroSerde({ registry, contract: Contracts.DeadLetter, autoRegister: true })
  return Promise.all(
    sources.map(async (source, i) => {
      const { key, value } = deadLetterRecord(source)
      return {
        topic,
        partition,
        offset: String(i),
        key: Buffer.from(key),
        value: await serde.serialize(topic, value, {}),
        timestamp: source.timestamp,
        headers: {},
      }
    }),
  )
}
