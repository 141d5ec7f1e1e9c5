import type { RecordMetadata, StreamRecord } from '../record.ts'
import { storeNameOf, type StateStore, type StoreHandle, type StoreOf } from '../state/store.ts'

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
  /** A connected store by handle (a spec from `Stores`): typed by it, key, value and kind. */
  getStateStore<H extends StoreHandle>(store: H): StoreOf<H>
  /** A connected store by name: the caller says its type. */
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

/** `ProcessorContext.getStateStore`, both ways of calling it. */
export type GetStateStore = ProcessorContext['getStateStore']

/** A `getStateStore` from a lookup by name: what every context implementation builds its own from. */
export function storeGetter(lookup: (name: string) => StateStore): GetStateStore {
  return ((store: string | StoreHandle) => lookup(storeNameOf(store))) as GetStateStore
}

/** A custom processor: the processor API's unit of work. */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: StreamRecord<KIn, VIn>): void
  close?(): void
}

/** Makes a new processor per task: processors hold per-task state. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>

declare const FIXED_KEY: unique symbol

/**
 * A record whose key a processor may not change (KIP-820): made only from the record a fixed-key
 * processor received, by replacing its value, timestamp or headers, so a stream stays partitioned as it
 * was and needs no repartition.
 */
export type FixedKeyRecord<K, V> = StreamRecord<K, V> & { readonly [FIXED_KEY]: true }

export const FixedKeyRecord = {
  withValue: <K, V, V2>(record: FixedKeyRecord<K, V>, value: V2): FixedKeyRecord<K, V2> =>
    ({ ...record, value }) as FixedKeyRecord<K, V2>,
  withTimestamp: <K, V>(record: FixedKeyRecord<K, V>, timestamp: number): FixedKeyRecord<K, V> => ({
    ...record,
    timestamp,
  }),
  withHeaders: <K, V>(
    record: FixedKeyRecord<K, V>,
    headers: StreamRecord<K, V>['headers'],
  ): FixedKeyRecord<K, V> => ({
    ...record,
    headers,
  }),
} as const

/** A processor's context whose forward takes only fixed-key records, as Kafka's FixedKeyProcessorContext. */
export interface FixedKeyProcessorContext<K, VForward> extends Omit<
  ProcessorContext<K, VForward>,
  'forward'
> {
  forward<V extends VForward>(record: FixedKeyRecord<K, V>, childName?: string): void
}

/** A processor that changes values only (KIP-820's FixedKeyProcessor), for `KStream.processValues`. */
export interface FixedKeyProcessor<KIn, VIn, VOut> {
  init?(context: FixedKeyProcessorContext<KIn, VOut>): void
  process(record: FixedKeyRecord<KIn, VIn>): void
  close?(): void
}

export type FixedKeyProcessorSupplier<KIn, VIn, VOut> = () => FixedKeyProcessor<KIn, VIn, VOut>

/**
 * What a KTable's value transformer may use, as the ProcessorContext Kafka hands a
 * ValueTransformerWithKey: everything but forwarding (its result is what it returns).
 */
export type ValueTransformerContext = Omit<ProcessorContext, 'forward'>

/**
 * Transforms a table's values, with state (`KTable.transformValues`), as Kafka's ValueTransformerWithKey:
 * called with the key and the new value (null for a delete), and, when the table sends old values and
 * has no store of its own, with the old value too; a null result is a delete.
 */
export interface ValueTransformerWithKey<K, V, VR> {
  init?(context: ValueTransformerContext): void
  transform(readOnlyKey: K, value: V | null): VR | null
  close?(): void
}

export type ValueTransformerWithKeySupplier<K, V, VR> = () => ValueTransformerWithKey<K, V, VR>
