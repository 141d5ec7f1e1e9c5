import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { Serdes } from '../serde.ts'
import type { Topology } from '../topology/topology.ts'

export const S = Serdes.String()
export const L = Serdes.Long()

/** The topology the integration and crash tests run: count pings per machine. */
export function countTopology(input: string, output: string): Topology {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  b.stream<string, string>(input)
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to(output, { valueSerde: L as never })
  return b.build()
}

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'streams-it', brokers, logLevel: logLevel.NOTHING })
}

export async function createTopics(
  kafka: Kafka,
  topics: { name: string; partitions: number }[],
): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
    })
  } finally {
    await admin.disconnect()
  }
}

export async function produce(
  kafka: Kafka,
  topic: string,
  records: { key: string; value: string }[],
): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        topic,
        messages: records.slice(i, i + 500).map((r) => ({ key: r.key, value: r.value })),
      })
    }
  } finally {
    await producer.disconnect()
  }
}

/** Reads a topic from the start with a fresh group until `done` says enough or the time runs out. */
export async function consumeAll(
  kafka: Kafka,
  topic: string,
  done: (records: { key: string; value: number }[]) => boolean,
  options: { readCommitted?: boolean; timeoutMs?: number } = {},
): Promise<{ key: string; value: number }[]> {
  const consumer = kafka.consumer({
    groupId: `it-reader-${randomUUID()}`,
    readUncommitted: options.readCommitted === false,
    maxWaitTimeInMs: 100,
  })
  const records: { key: string; value: number }[] = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.timeoutMs ?? 60_000)
    void consumer.run({
      eachMessage: async ({ message }) => {
        records.push({
          key: message.key?.toString() ?? '',
          value: message.value === null ? -1 : Number(message.value.readBigInt64BE(0)),
        })
        if (done(records)) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  await consumer.disconnect()
  return records
}

/** Inputs for `keys` machines, `perKey` pings each, interleaved. */
export function pings(keys: number, perKey: number, prefix = 'm'): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = []
  for (let i = 0; i < perKey; i++)
    for (let k = 0; k < keys; k++) out.push({ key: `${prefix}${k}`, value: `p${i}` })
  return out
}
