import { randomUUID } from 'node:crypto'
import type * as RdKafka from 'node-rdkafka'
import {
  tpKey,
  type BackendReader,
  type BrokerRecord,
  type Following,
  type PartitionOffset,
} from '../types.ts'
import { connect, consumeQueued, disconnect, pollingLoop, rdkafka } from './client.ts'
import { toBrokerRecord } from './records.ts'

/** Reads of a partition whose EOF came before any of its records (see `read`). */
const READ_ATTEMPTS = 3

/**
 * Reads assigned partitions outside any group (restores, global stores): librdkafka assigns them at the
 * given offsets, with no group membership. A read ends when every partition's fetch reached its end
 * offset, which librdkafka reports as a partition EOF at the high watermark (read_uncommitted) or the
 * last stable offset (read_committed: an open transaction holds the read until it ends).
 */
export class RdKafkaReader implements BackendReader {
  constructor(
    private readonly config: Record<string, string | number | boolean>,
    private readonly clientId: string,
    private readonly readCommitted: boolean,
  ) {}

  private async open(partitions: readonly PartitionOffset[]): Promise<RdKafka.KafkaConsumer> {
    const consumer = new (rdkafka().KafkaConsumer)(
      {
        ...this.config,
        'group.id': `${this.clientId}-${randomUUID()}`,
        'client.id': this.clientId,
        'enable.auto.commit': false,
        'enable.partition.eof': true,
        'isolation.level': this.readCommitted ? 'read_committed' : 'read_uncommitted',
      },
      { 'auto.offset.reset': 'earliest' },
    )
    await connect(consumer as never, 'connecting a reader')
    consumer.assign(
      partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: Number(p.offset) })),
    )
    return consumer
  }

  private static consume(consumer: RdKafka.KafkaConsumer, waitMs = 100): Promise<RdKafka.Message[]> {
    return consumeQueued(consumer, 1000, waitMs, 'reading')
  }

  async read(
    partitions: readonly PartitionOffset[],
    until: ReadonlyMap<string, string>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<void> {
    // Where each partition's read ends; those already there are not read.
    const ends = new Map<string, number>()
    for (const p of partitions)
      ends.set(tpKey(p.topic, p.partition), Number(until.get(tpKey(p.topic, p.partition)) ?? '0'))
    let left = partitions.filter((p) => Number(p.offset) < (ends.get(tpKey(p.topic, p.partition)) ?? 0))
    // A partition whose EOF reached its end before any of its records came is read again by a new
    // consumer: right after the broker started, a read was told it had reached the end of records it
    // never handed over (the fresh-clone CI, twice). A range of two offsets or more that truly holds
    // nothing visible (markers only, or compacted away) ends the same way on the last attempt.
    for (let attempt = 1; left.length > 0; attempt++) {
      const empty = await this.readOnce(left, ends, onRecords)
      if (attempt === READ_ATTEMPTS) break
      left = left.filter((p) => empty.has(tpKey(p.topic, p.partition)))
    }
  }

  /** One consumer's read of `partitions` up to `ends`; resolves the partitions ended by an EOF with no record. */
  private async readOnce(
    partitions: readonly PartitionOffset[],
    ends: ReadonlyMap<string, number>,
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Set<string>> {
    const remaining = new Map(
      partitions.map((p) => [tpKey(p.topic, p.partition), ends.get(tpKey(p.topic, p.partition)) ?? 0]),
    )
    const starts = new Map(partitions.map((p) => [tpKey(p.topic, p.partition), Number(p.offset)]))
    const seen = new Set<string>()
    const empty = new Set<string>()
    const consumer = await this.open(partitions)
    // node-rdkafka reports a partition's EOF before handing over the batch that reached it, so what a
    // batch keeps is judged by `ends`, and after the last EOF the read goes on until a consume hands
    // over nothing.
    let endedByEof = false
    consumer.on('partition.eof', (eof) => {
      const key = tpKey(eof.topic, eof.partition)
      const end = remaining.get(key)
      if (end !== undefined && eof.offset >= end) {
        remaining.delete(key)
        endedByEof = true
        // One offset can be a transaction's marker alone (a restore's usual tail): not read again.
        if (!seen.has(key) && end - (starts.get(key) ?? end) >= 2) empty.add(key)
      }
    })
    const ended = pollingLoop()
    try {
      while (remaining.size > 0 || endedByEof) {
        // What is queued is there at once: after the last EOF, a short wait.
        const batch = await RdKafkaReader.consume(consumer, remaining.size === 0 ? 5 : 100)
        if (remaining.size === 0 && batch.length === 0) break
        const records = batch
          .filter((m) => m.offset < (ends.get(tpKey(m.topic, m.partition)) ?? 0))
          .map(toBrokerRecord)
        if (records.length > 0) await onRecords(records)
        for (const r of records) {
          const key = tpKey(r.topic, r.partition)
          seen.add(key)
          empty.delete(key)
          if (Number(r.offset) + 1 >= (remaining.get(key) ?? 0)) remaining.delete(key)
        }
      }
    } finally {
      ended()
      await disconnect(consumer as never)
    }
    return empty
  }

  async follow(
    partitions: readonly PartitionOffset[],
    onRecords: (records: readonly BrokerRecord[]) => Promise<void>,
  ): Promise<Following> {
    const consumer = await this.open(partitions)
    let running = true
    let failure: unknown
    const ended = pollingLoop()
    const loop = (async (): Promise<void> => {
      while (running) {
        let messages: RdKafka.Message[]
        try {
          messages = await RdKafkaReader.consume(consumer)
        } catch {
          // librdkafka recovers by itself (a broker restarting); a pause keeps this loop from spinning.
          await new Promise((resolve) => setTimeout(resolve, 100))
          continue
        }
        // The caller handles its records' failures (a global store logs and skips one): what escapes
        // stops the following, and stop() hands it back, rather than records being skipped silently.
        if (messages.length > 0 && running) await onRecords(messages.map(toBrokerRecord))
      }
    })()
      .catch((error: unknown) => {
        failure = error
        running = false
      })
      .finally(ended)
    return {
      stop: async () => {
        running = false
        await loop
        await disconnect(consumer as never)
        if (failure !== undefined) throw failure
      },
    }
  }

  async close(): Promise<void> {}
}
