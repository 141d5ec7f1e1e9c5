import { join } from 'node:path'
import type { Logger } from 'pino'
import type { DefaultSerdes, Topology } from '../topology/topology.ts'
import type { ResolvedConfig } from './config.ts'
import type { StreamsMetrics } from './metrics.ts'

/** What every part of one instance's runtime shares: its configuration, topology, logs and metrics. */
export interface RuntimeContext {
  readonly config: ResolvedConfig
  readonly topology: Topology
  /** The serdes the topology falls back on, resolved once. */
  readonly defaults: DefaultSerdes
  readonly logger: Logger
  readonly metrics: StreamsMetrics
  /** Set when this runtime is one of several stream threads of its instance (`numStreamThreads`). */
  readonly thread?: ThreadIdentity
}

/** Which stream thread of its instance a runtime is, when the instance runs several. */
export interface ThreadIdentity {
  /** 1-based, as Kafka Streams numbers its StreamThreads. */
  readonly index: number
  /** The instance's process id, claimed once by the main thread for all of its threads. */
  readonly processId: string
}

/**
 * A client's id: `<applicationId>-<role>` for the one thread of an instance, as before threads; with
 * several, `<applicationId>-StreamThread-<n>-<role>` as Kafka Streams names each thread's clients.
 */
export function clientIdOf(context: RuntimeContext, role: 'consumer' | 'producer' | 'global'): string {
  const { applicationId } = context.config
  return context.thread === undefined
    ? `${applicationId}-${role}`
    : `${applicationId}-StreamThread-${context.thread.index}-${role}`
}

/** The group every instance of an application joins: its application id, as in Kafka Streams. */
export function groupIdOf(context: RuntimeContext): string {
  return context.config.applicationId
}

export function isExactlyOnce(context: RuntimeContext): boolean {
  return context.config.processingGuarantee === 'exactly_once'
}

/**
 * Exactly-once with one transactional producer per stream thread (Kafka Streams' exactly_once_v2), where
 * the backend's transactional offsets carry group metadata; otherwise one per task (`TransactionalIdScheme`).
 */
export function isExactlyOncePerThread(context: RuntimeContext): boolean {
  return isExactlyOnce(context) && context.config.backend.transactionalIds === 'per-thread'
}

/** Where the application keeps its tasks' persistent stores and checkpoints. */
export function stateDirOf(context: RuntimeContext): string {
  return join(context.config.stateDir, context.config.applicationId)
}

/** The labels every metric of the instance carries. */
export function appLabel(context: RuntimeContext): { application: string } {
  return { application: context.config.applicationId }
}
