/** The states of an instance, as Kafka Streams' KafkaStreams.State. */
export const StreamsState = {
  CREATED: 'CREATED',
  REBALANCING: 'REBALANCING',
  RUNNING: 'RUNNING',
  PENDING_SHUTDOWN: 'PENDING_SHUTDOWN',
  NOT_RUNNING: 'NOT_RUNNING',
  ERROR: 'ERROR',
} as const
export type StreamsState = (typeof StreamsState)[keyof typeof StreamsState]
