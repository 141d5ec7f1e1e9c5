export * from './errors.ts'
export * from './serde.ts'
export * from './topic.ts'
export * from './types.ts'
export { HEARTBEAT_INTERVAL_MS, HeartbeatPacer } from './heartbeat.ts'
export * from './connection.ts'
export * from './cluster-admin.ts'
export * from './security-admin.ts'
export { alterScramCredentials, type ScramChange } from './scram-credentials.ts'
export { partitionForKey, murmur2 } from './murmur2.ts'
export { MemoryBroker } from './memory/broker.ts'
export { MemoryBackend } from './memory/backend.ts'
export { KafkaJsBackend, type KafkaJsBackendOptions } from './kafkajs/backend.ts'
export { connectClusterAdmin, type ClusterAdminOptions } from './kafkajs/cluster-admin.ts'
export { connectSecurityAdmin } from './kafkajs/security-admin.ts'
export { RdKafkaBackend, type RdKafkaBackendOptions } from './rdkafka/backend.ts'
export { rdkafkaAvailable } from './rdkafka/client.ts'
export * from './clients.ts'
export type { BackendOptions } from './backend-options.ts'
export * from './read-topic.ts'
export { errorCode, errorMessage, errorRetriable, sleepUnlessAborted } from './worker-support.ts'
export * from './trace-context.ts'
export * from './worker/options.ts'
export { claimProcessId, PROCESS_FILE } from './process-id.ts'
export type { CallResult, CallUnavailable, ExternalCall } from './worker/call.ts'
export {
  startTransactionalWorker,
  type RecordHandler,
  type RecordStep,
  type TransactionalWorker,
  type TransactionalWorkerOptions,
} from './worker/worker.ts'
