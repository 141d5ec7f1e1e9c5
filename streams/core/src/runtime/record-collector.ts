import { partitionForKey, type BackendProducer, type MaybePromise, type ProducedRecord } from '@oxagry/kafka'
import { errorMessage, STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { OutgoingRecord, RecordCollector } from './collector.ts'
import { appLabel, isExactlyOnce, type RuntimeContext } from './context.ts'
import { codeOf } from './error-router.ts'
import type { InternalTopics } from './internal-topics.ts'
import type { ActiveTask } from './task-manager.ts'

export function awaitable<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise
}

/** What a task produced since its last send: its sinks' records before serialization, and dead letters. */
export class TaskOutputs implements RecordCollector {
  records: OutgoingRecord[] = []
  /** Already-serialized records: dead letters. */
  raw: ProducedRecord[] = []

  send(record: OutgoingRecord): void {
    this.records.push(record)
  }

  get empty(): boolean {
    return this.records.length === 0 && this.raw.length === 0
  }
}

/**
 * Serializes, partitions and sends what tasks produced (Kafka Streams' RecordCollector): at-least-once
 * through the instance's producer, exactly-once through each task's transactional producer, opening its
 * transaction on first use. A record that cannot be serialized fails the instance or is skipped, as the
 * production error handler says: it has no bytes to dead-letter.
 */
export class RecordSender {
  constructor(
    private readonly context: RuntimeContext,
    private readonly topics: InternalTopics,
    private readonly sharedProducer: () => BackendProducer | undefined,
  ) {}

  /** The producer a task's records go through now, inside the task's transaction under exactly-once. */
  async producerFor(active: ActiveTask): Promise<BackendProducer> {
    if (!isExactlyOnce(this.context)) {
      const producer = this.sharedProducer()
      if (producer === undefined) throw new StreamsError(STREAMS_ERROR_CODES.STATE, 'no producer')
      return producer
    }
    const producer = active.producer
    if (producer === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `task ${active.task.id} has no producer`)
    if (!producer.inTransaction) await producer.beginTransaction()
    return producer
  }

  /** Serializes and sends what the task produced since the last send. */
  async flush(active: ActiveTask): Promise<void> {
    const outputs = active.outputs
    if (outputs.empty) return
    const pending = outputs.records
    const records = outputs.raw
    outputs.records = []
    outputs.raw = []
    for (const out of pending) {
      try {
        records.push(await this.serialize(out))
      } catch (error) {
        this.context.metrics.errors.inc({
          ...appLabel(this.context),
          stage: 'production',
          code: codeOf(error),
        })
        if (this.context.config.productionErrorHandler === 'fail') {
          throw new StreamsError(
            STREAMS_ERROR_CODES.SERIALIZATION,
            `sink ${out.sink} could not serialize a record for ${out.topic}: ${errorMessage(error)}`,
            { cause: error },
          )
        }
        this.context.logger.warn(
          { err: error, sink: out.sink, topic: out.topic },
          'output record could not be serialized: skipped',
        )
      }
    }
    if (records.length === 0) return
    await (await this.producerFor(active)).send(records)
  }

  private async serialize(out: OutgoingRecord): Promise<ProducedRecord> {
    const key =
      out.key === null || out.key === undefined
        ? null
        : out.keySerde.serialize(out.topic, out.key, out.headers)
    const value =
      out.value === null || out.value === undefined
        ? null
        : out.valueSerde.serialize(out.topic, out.value, out.headers)
    const keyBytes = awaitable(key) ? await key : key
    const valueBytes = awaitable(value) ? await value : value
    let partition: number | undefined
    if (out.partitioner !== undefined) {
      partition = out.partitioner(out.topic, out.key, out.value, await this.topics.partitions(out.topic))
    } else if (keyBytes !== null) {
      // Java's default partitioner where the topic's size is known; otherwise the client's, which is the same.
      const count = this.topics.knownPartitions(out.topic)
      if (count !== undefined) partition = partitionForKey(keyBytes, count)
    }
    return {
      topic: out.topic,
      key: keyBytes,
      value: valueBytes,
      timestamp: out.timestamp,
      headers: out.headers,
      ...(partition === undefined ? {} : { partition }),
    }
  }
}
