export * from './errors.ts'
export * from './record.ts'
export * from './windowed-serdes.ts'
export * from './processor/api.ts'
export * from './state/store.ts'
export * from './state/stores.ts'
export * from './topology/nodes.ts'
export * from './topology/topology.ts'
export * from './dsl/options.ts'
export * from './dsl/windows.ts'
export * from './dsl/emit-strategy.ts'
export * from './dsl/streams-builder.ts'
export {
  KStream,
  BranchedKStream,
  type Branches,
  type Predicate,
  type ValueGuard,
  type ValueJoiner,
  type ValueJoinerWithKey,
} from './dsl/kstream.ts'
export { KTable, GlobalKTable } from './dsl/ktable.ts'
export * from './dsl/suppressed.ts'
export {
  KGroupedStream,
  KGroupedTable,
  TimeWindowedKStream,
  SessionWindowedKStream,
  type Reducer,
} from './dsl/grouped.ts'
export type { Aggregator, Initializer, Merger } from './dsl/processors.ts'
export {
  CogroupedKStream,
  TimeWindowedCogroupedKStream,
  SessionWindowedCogroupedKStream,
  type CogroupPattern,
} from './dsl/cogroup.ts'
export type { TableValueJoiner } from './dsl/table-join.ts'
export type { ForeignKeyExtractor } from './dsl/fk-join.ts'
export * from './runtime/config.ts'
export * from './runtime/kafka-streams.ts'
export { registeredCounter, STREAMS_METRICS, StreamsMetrics } from './runtime/metrics.ts'
export * from './runtime/signals.ts'
export * from './runtime/service-env.ts'
export { changelogTopic } from './runtime/internal-topics.ts'
