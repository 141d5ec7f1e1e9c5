import type { RecordHeaders, Serde } from '@oxagry/kafka'
import type { StreamPartitioner } from '../topology/nodes.ts'

/** An output record as a sink hands it over, before serialization. */
export interface OutgoingRecord {
  readonly topic: string
  readonly key: unknown
  readonly value: unknown
  readonly timestamp: number
  readonly headers: RecordHeaders
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly partitioner?: StreamPartitioner
  /** The node that produced it, for error messages. */
  readonly sink: string
}

/** Where a task's sinks send records; the runtime batches to a producer, the test driver captures. */
export interface RecordCollector {
  send(record: OutgoingRecord): void
}
