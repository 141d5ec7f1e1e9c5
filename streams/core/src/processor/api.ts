import type { RecordMetadata, StreamRecord } from '../record.ts'
import type { StateStore } from '../state/store.ts'

export const PunctuationType = {
  /** Fires as stream time (the largest record timestamp a task has seen) passes each interval. */
  STREAM_TIME: 'STREAM_TIME',
  /** Fires as the system clock passes each interval. */
  WALL_CLOCK_TIME: 'WALL_CLOCK_TIME',
} as const
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType]

export type Punctuator = (timestamp: number) => void

export interface Cancellable {
  cancel(): void
}

/** What a processor can do while it runs, as Kafka Streams' `api.ProcessorContext`. */
export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  readonly applicationId: string
  /** `<subtopology>_<partition>`. */
  readonly taskId: string
  /** Sends a record to every child, or to the named child only. */
  forward<K extends KForward, V extends VForward>(record: StreamRecord<K, V>, childName?: string): void
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  getStateStore<S extends StateStore>(name: string): S
  /** Where the current record came from; undefined in a punctuation. */
  recordMetadata(): RecordMetadata | undefined
  currentStreamTimeMs(): number
  currentSystemTimeMs(): number
  /** Asks for a commit at the next opportunity. */
  commit(): void
  /**
   * Says a record was deliberately not processed (a null key where one is needed, a record too late
   * for its window): counted in metrics and logged, never silent.
   */
  recordDropped(reason: string): void
}

/** A custom processor: the processor API's unit of work. */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: StreamRecord<KIn, VIn>): void
  close?(): void
}

/** Makes a new processor per task: processors hold per-task state. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>
