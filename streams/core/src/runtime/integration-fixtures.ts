import { randomUUID } from 'node:crypto'
import { StreamsBuilder } from '../dsl/streams-builder.ts'
import { KafkaJsBackend, Serdes, type KafkaBackend } from '@oxagry/kafka'
import type { Topology } from '../topology/topology.ts'

export const S = Serdes.String()
export const L = Serdes.Long()

/**
 * The topology the integration and crash tests run: count pings per machine. `look`, when given, sees
 * each ping first (and may throw on it).
 */
export function countTopology(input: string, output: string, look?: (key: string) => void): Topology {
  const b = new StreamsBuilder({ defaultKeySerde: S as never, defaultValueSerde: S as never })
  const pings = b.stream<string, string>(input)
  ;(look === undefined ? pings : pings.peek((key) => look(key)))
    .groupByKey()
    .count({ storeName: 'counts' })
    .toStream()
    .to(output, { valueSerde: L as never })
  return b.build()
}

/** A client of the real broker for the tests' own reads and writes, beside the application's. */
export function testBackend(brokers: string[]): KafkaBackend {
  return new KafkaJsBackend({ brokers, clientId: 'streams-it' })
}

export async function createTopics(
  backend: KafkaBackend,
  topics: { name: string; partitions: number }[],
): Promise<void> {
  const admin = await backend.admin()
  try {
    await admin.createTopics(topics.map((t) => ({ name: t.name, partitions: t.partitions, config: {} })))
    // A broker may answer the creation before its metadata shows the topics to every client (seen on a
    // freshly started broker): wait until they show, so the application under test finds its sources.
    const deadline = Date.now() + 15_000
    for (;;) {
      const counts = await admin.partitionCounts(topics.map((t) => t.name))
      if (topics.every((t) => counts.get(t.name) === t.partitions) || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.close()
  }
}

export async function produce(
  backend: KafkaBackend,
  topic: string,
  records: { key: string; value: string }[],
): Promise<void> {
  const producer = await backend.producer({ clientId: 'streams-it-producer' })
  try {
    await producer.send(
      records.map((r) => ({
        topic,
        key: Buffer.from(r.key),
        value: Buffer.from(r.value),
        timestamp: Date.now(),
        headers: {},
      })),
    )
  } finally {
    await producer.close()
  }
}

/** Reads a topic from the start with a fresh group until `done` says enough or the time runs out. */
export async function consumeAll(
  backend: KafkaBackend,
  topic: string,
  done: (records: { key: string; value: number }[]) => boolean,
  options: { readCommitted?: boolean; timeoutMs?: number } = {},
): Promise<{ key: string; value: number }[]> {
  const consumer = backend.consumer({
    groupId: `it-reader-${randomUUID()}`,
    clientId: 'streams-it-reader',
    readCommitted: options.readCommitted !== false,
  })
  const records: { key: string; value: number }[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, options.timeoutMs ?? 60_000)
    consumer
      .run([topic], {
        onRevoked: async () => {},
        onAssigned: async () => {},
        eachBatch: async (batch) => {
          for (const r of batch.records) {
            records.push({
              key: r.key?.toString() ?? '',
              value: r.value === null ? -1 : Number(r.value.readBigInt64BE(0)),
            })
          }
          if (done(records)) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
      .catch(reject)
  })
  await consumer.stop()
  return records
}

/** Inputs for `keys` machines, `perKey` pings each, interleaved. */
export function pings(keys: number, perKey: number, prefix = 'm'): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = []
  for (let i = 0; i < perKey; i++)
    for (let k = 0; k < keys; k++) out.push({ key: `${prefix}${k}`, value: `p${i}` })
  return out
}

/** Waits until `condition` holds, failing after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}
