import type { Logger } from 'pino'
import type { KafkaConnection } from './connection.ts'

/** What every Kafka backend is built with, whichever client it runs on. */
export interface BackendOptions extends KafkaConnection {
  /** The client id of clients made without one of their own (the admin); each client names its own. */
  readonly clientId?: string
  /** How long the group waits for a silent member before it rebalances its partitions away. */
  readonly sessionTimeoutMs?: number
  /** Where the client's own log lines go. */
  readonly logger?: Logger
  /** Replication factor of topics created without one of their own. */
  readonly replicationFactor?: number
}
