import type { MachinePing } from '@oxagry/avro'
import type { Serde } from '@oxagry/kafka'
import { Kafka, logLevel, type Message, type Transaction } from 'kafkajs'
import type { Guarantee, Scenario } from '../results.ts'
import { keep, reshape, WINDOW_GRACE_MS, WINDOW_SIZE_MS } from './pings.ts'

export interface LoopOptions {
  readonly brokers: readonly string[]
  readonly applicationId: string
  readonly scenario: Scenario
  readonly guarantee: Guarantee
  readonly input: string
  readonly output: string
  readonly commitIntervalMs: number
  /** Must answer synchronously once warm: the loop does not await per record. */
  readonly avro: Serde<MachinePing>
}

export interface Loop {
  stop(): Promise<void>
}

function longBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(8)
  b.writeBigInt64BE(BigInt(n))
  return b
}

/**
 * The floor: what a hand-written kafkajs consume-transform-produce loop does, with the client settings
 * of @oxagry/streams' backend (fetch wait 100 ms, acks all) but a short retry backoff for the
 * transactional producer (see below). Per batch it decodes, transforms,
 * encodes and sends, awaiting the send. Offsets (and, for the windowed count, the changed counts to a
 * changelog topic, one record per key and window per commit) are committed every commit interval:
 * at-least-once with commitOffsets after the sends are acknowledged, exactly-once in one transaction of
 * one producer (as Kafka Streams' exactly_once_v2) with sendOffsets.
 */
export async function startKafkaJsLoop(options: LoopOptions): Promise<Loop> {
  const { applicationId, input, output, avro } = options
  const eos = options.guarantee === 'exactly_once'
  const changelog = `${applicationId}-counts-changelog`
  const kafka = new Kafka({
    clientId: applicationId,
    brokers: [...options.brokers],
    logLevel: process.env.BENCH_LOG_LEVEL === 'debug' ? logLevel.DEBUG : logLevel.ERROR,
  })
  const consumer = kafka.consumer({
    groupId: applicationId,
    readUncommitted: !eos,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
  })
  const producer = kafka.producer(
    eos
      ? {
          transactionalId: `${applicationId}-txn`,
          idempotent: true,
          maxInFlightRequests: 1,
          // A transaction that touches a partition whose previous transaction's markers are still being
          // written gets CONCURRENT_TRANSACTIONS; kafkajs retries after 300 ms by default, the Java
          // producer after 20 ms. The floor takes the Java client's backoff.
          retry: { initialRetryTime: 20 },
        }
      : { allowAutoTopicCreation: false },
  )
  if (options.scenario === 'windowed') {
    const admin = kafka.admin()
    await admin.connect()
    const partitions = (await admin.fetchTopicMetadata({ topics: [input] })).topics[0]?.partitions.length ?? 1
    await admin.createTopics({
      topics: [
        {
          topic: changelog,
          numPartitions: partitions,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    })
    await admin.disconnect()
  }
  await producer.connect()

  const counts = new Map<string, number>()
  const dirty = new Map<string, { partition: number; key: Buffer; count: number }>()
  const streamTime = new Map<number, number>()
  const offsets = new Map<number, string>()
  let txn: Transaction | undefined
  let lastCommit = Date.now()
  let work: Promise<void> = Promise.resolve()
  // Batches and the commit timer take turns, so a commit never interleaves with a batch's sends.
  const serial = (task: () => Promise<void>): Promise<void> => {
    const run = work.then(task)
    work = run.catch(() => {})
    return run
  }

  function transform(
    partition: number,
    message: { key: Buffer | null; value: Buffer | null; timestamp: string },
  ): Message | undefined {
    if (message.value === null) return undefined
    const ping = avro.deserialize(input, message.value, {}) as MachinePing
    if (options.scenario === 'stateless') {
      if (!keep(ping)) return undefined
      return { key: message.key, value: avro.serialize(output, reshape(ping), {}) as Buffer }
    }
    const timestamp = Number(message.timestamp)
    const time = Math.max(streamTime.get(partition) ?? -1, timestamp)
    streamTime.set(partition, time)
    const start = Math.floor(timestamp / WINDOW_SIZE_MS) * WINDOW_SIZE_MS
    if (start + WINDOW_SIZE_MS + WINDOW_GRACE_MS <= time) return undefined
    const keyBytes = message.key ?? Buffer.alloc(0)
    const windowed = Buffer.allocUnsafe(keyBytes.length + 8)
    keyBytes.copy(windowed)
    windowed.writeBigInt64BE(BigInt(start), keyBytes.length)
    const id = windowed.toString('latin1')
    const count = (counts.get(id) ?? 0) + 1
    counts.set(id, count)
    dirty.set(id, { partition, key: windowed, count })
    return { key: windowed, value: longBytes(count), timestamp: message.timestamp }
  }

  async function commit(): Promise<void> {
    lastCommit = Date.now()
    if (offsets.size === 0 && dirty.size === 0) return
    const changes = [...dirty.values()].map((d) => ({
      partition: d.partition,
      key: d.key,
      value: longBytes(d.count),
    }))
    dirty.clear()
    const partitions = [...offsets].map(([partition, offset]) => ({ partition, offset }))
    offsets.clear()
    if (eos) {
      txn ??= await producer.transaction()
      if (changes.length > 0) await txn.send({ topic: changelog, messages: changes })
      await txn.sendOffsets({ consumerGroupId: applicationId, topics: [{ topic: input, partitions }] })
      await txn.commit()
      txn = undefined
    } else {
      if (changes.length > 0) await producer.send({ topic: changelog, acks: -1, messages: changes })
      await consumer.commitOffsets(partitions.map((p) => ({ topic: input, ...p })))
    }
  }

  await consumer.connect()
  await consumer.subscribe({ topic: input, fromBeginning: true })
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.run({
    autoCommit: false,
    eachBatch: ({ batch }) =>
      serial(async () => {
        const out: Message[] = []
        for (const m of batch.messages) {
          const produced = transform(batch.partition, m)
          if (produced !== undefined) out.push(produced)
        }
        if (out.length > 0) {
          if (eos) {
            txn ??= await producer.transaction()
            await txn.send({ topic: output, messages: out })
          } else {
            await producer.send({ topic: output, acks: -1, messages: out })
          }
        }
        offsets.set(batch.partition, String(Number(batch.lastOffset()) + 1))
        if (Date.now() - lastCommit >= options.commitIntervalMs) await commit()
      }),
  })
  await joined
  const timer = setInterval(
    () => {
      if (Date.now() - lastCommit < options.commitIntervalMs) return
      serial(commit).catch((error: unknown) => {
        console.error('kafkajs loop: commit failed', error)
        process.exit(1)
      })
    },
    Math.min(50, options.commitIntervalMs),
  )

  return {
    async stop() {
      clearInterval(timer)
      await serial(commit).catch(() => {})
      await consumer.disconnect()
      await producer.disconnect()
    },
  }
}
