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
 * through the thread's producer, exactly-once through the thread's transactional producer or each task's
 * (see `TransactionalIdScheme`), opening the transaction on first use. Sends are not waited for one by
 * one: processing goes on while the client delivers, and `delivered` waits for every acknowledgement
 * before a commit, as Kafka's producer is flushed before offsets commit. A failed send is thrown by the
 * next flush or `delivered` of the same producer. A record that cannot be serialized fails the instance
 * or is skipped, as the production error handler says: it has no bytes to dead-letter.
 */
export class RecordSender {
  /** Per producer: its sends not yet acknowledged, and the first that failed. */
  private readonly inFlight = new WeakMap<BackendProducer, { sends: Promise<void>[]; failure?: unknown }>()

  constructor(
    private readonly context: RuntimeContext,
    private readonly topics: InternalTopics,
    private readonly threadProducer: () => BackendProducer | undefined,
  ) {}

  /** Hands records to the task's producer without waiting for their acknowledgement. */
  async send(active: ActiveTask, records: readonly ProducedRecord[]): Promise<void> {
    const producer = await this.producerFor(active)
    const flight = this.flightOf(producer)
    this.throwFailure(producer, flight)
    flight.sends.push(
      producer.send(records).catch((error: unknown) => {
        flight.failure ??= error
      }),
    )
  }

  /** Waits until everything sent through the task's producer is acknowledged; throws what failed. */
  async delivered(active: ActiveTask): Promise<void> {
    const producer = this.producerOf(active)
    const flight = producer === undefined ? undefined : this.inFlight.get(producer)
    if (producer === undefined || flight === undefined) return
    while (flight.sends.length > 0) {
      const sends = flight.sends
      flight.sends = []
      // Sent now, not when the producer's linger ends (the commit waits on them).
      await Promise.all([...sends, producer.flush?.()])
    }
    this.throwFailure(producer, flight)
  }

  /** Whether a send through the task's producer failed, not yet thrown. */
  failed(active: ActiveTask): boolean {
    const producer = this.producerOf(active)
    return producer !== undefined && this.inFlight.get(producer)?.failure !== undefined
  }

  /** The task's own producer (exactly-once per task), else the thread's. */
  private producerOf(active: ActiveTask): BackendProducer | undefined {
    return active.producer ?? this.threadProducer()
  }

  private flightOf(producer: BackendProducer): { sends: Promise<void>[]; failure?: unknown } {
    let flight = this.inFlight.get(producer)
    if (flight === undefined) {
      flight = { sends: [] }
      this.inFlight.set(producer, flight)
    }
    return flight
  }

  private throwFailure(producer: BackendProducer, flight: { failure?: unknown }): void {
    if (flight.failure === undefined) return
    const failure = flight.failure
    this.inFlight.delete(producer)
    throw failure
  }

  /** The producer a task's records go through now, inside its open transaction under exactly-once. */
  async producerFor(active: ActiveTask): Promise<BackendProducer> {
    const producer = this.producerOf(active)
    if (producer === undefined)
      throw new StreamsError(STREAMS_ERROR_CODES.STATE, `task ${active.task.id} has no producer`)
    if (isExactlyOnce(this.context) && !producer.inTransaction) await producer.beginTransaction()
    return producer
  }

  /** Serializes and sends what the task produced since the last send. */
  async flush(active: ActiveTask): Promise<void> {
    const producer = this.producerOf(active)
    const flight = producer === undefined ? undefined : this.inFlight.get(producer)
    if (producer !== undefined && flight !== undefined) this.throwFailure(producer, flight)
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
    await this.send(active, records)
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
