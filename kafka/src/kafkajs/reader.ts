import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka } from 'kafkajs'
import {
  tpKey,
  type BackendReader,
  type BrokerRecord,
  type Following,
  type PartitionOffset,
} from '../types.ts'
import { brokerError } from './broker-errors.ts'
import { toBrokerRecords } from './records.ts'

/**
 * Reads partitions outside the application's group. kafkajs only consumes through groups, so each
 * read joins a group of its own, seeks to the requested offsets and leaves when done.
 */
export class KafkaJsReader implements BackendReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly clientId: string,
    private readonly readCommitted: boolean,
  ) {}

  /**
   * kafkajs' `seek` needs the consumer's group, which `run()` creates on its own time after it returns
   * ("Consumer group was not initialized" on a loaded machine): positions are placed once it joined.
   */
  private static seekOnceJoined(consumer: Consumer, partitions: readonly PartitionOffset[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // kafkajs restarts a consumer that crashed on a retriable error (a group coordinator not found
      // yet): its join comes later. Only a crash it does not restart from ends the read.
      const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return
        offJoin()
        offCrash()
        reject(brokerError('reading', payload.error))
      })
      const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
        offJoin()
        offCrash()
        for (const p of partitions)
          consumer.seek({ topic: p.topic, partition: p.partition, offset: p.offset })
        resolve()
      })
    })
  }

  private consumer(): Consumer {
    return this.kafka.consumer({
      groupId: `${this.clientId}-${randomUUID()}`,
      readUncommitted: !this.readCommitted,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    })
  }

  async read(
    partitions: readonly PartitionOffset[],
    until: ReadonlyMap<string, string>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<void> {
    const remaining = new Map<string, { from: number; end: number }>()
    for (const p of partitions) {
      const end = Number(until.get(tpKey(p.topic, p.partition)) ?? '0')
      if (Number(p.offset) < end) remaining.set(tpKey(p.topic, p.partition), { from: Number(p.offset), end })
    }
    if (remaining.size === 0) return
    const consumer = this.consumer()
    let finish: () => void = () => {}
    let fail: (error: unknown) => void = () => {}
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve
      fail = reject
    })
    // Progress comes from kafkajs' end-of-batch events, which it also emits for batches of transaction
    // markers or aborted records only: a partition whose tail is a commit marker still reaches its end.
    // Under read_committed an open transaction holds the reader back until it ends, as it should.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // A fetch with no record at or after the fetched offset reports the high watermark minus one as
      // its last offset, which says nothing of what was read: it must not end the read.
      if (payload.firstOffset === null) return
      const key = tpKey(payload.topic, payload.partition)
      const range = remaining.get(key)
      if (range !== undefined && Number(payload.lastOffset) + 1 >= range.end) remaining.delete(key)
      if (remaining.size === 0) finish()
    })
    try {
      await KafkaJsReader.join(consumer, partitions)
      const placed = KafkaJsReader.seekOnceJoined(consumer, partitions)
      await consumer.run({
        autoCommit: false,
        eachBatch: async (payload) => {
          const range = remaining.get(tpKey(payload.batch.topic, payload.batch.partition))
          if (range === undefined) return
          // Batches fetched before the seek took effect start below the requested offset.
          const records = toBrokerRecords(payload).filter(
            (r) => Number(r.offset) >= range.from && Number(r.offset) < range.end,
          )
          try {
            if (records.length > 0) await onRecords(records)
          } catch (error) {
            fail(error)
          }
        },
      })
      await placed
      await finished
    } finally {
      await consumer.disconnect()
    }
  }

  async follow(
    partitions: readonly PartitionOffset[],
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Following> {
    const consumer = this.consumer()
    const wanted = new Set(partitions.map((p) => tpKey(p.topic, p.partition)))
    await KafkaJsReader.join(consumer, partitions)
    const placed = KafkaJsReader.seekOnceJoined(consumer, partitions)
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        if (!wanted.has(tpKey(payload.batch.topic, payload.batch.partition))) return
        await onRecords(toBrokerRecords(payload))
      },
    })
    await placed
    return { stop: () => consumer.disconnect() }
  }

  async close(): Promise<void> {}

  /** Connects and subscribes; the broker away is a typed retriable error, as every other call's. */
  private static async join(consumer: Consumer, partitions: readonly PartitionOffset[]): Promise<void> {
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true })
    } catch (error) {
      throw brokerError(`reading ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ')}`, error)
    }
  }
}
