import type { KafkaBackend } from '@oxagry/kafka'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { NotificationChannel } from './channel.ts'
import { invalidOptions } from './errors.ts'
import { resolveTopics, type NotificationsSerdes, type NotificationsTopics } from './options.ts'
import type { WorkerMetrics } from './worker-metrics.ts'

export const WorkerState = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  /** A send is being retried after the provider failed: live, not ready. */
  RETRYING: 'RETRYING',
  STOPPING: 'STOPPING',
  STOPPED: 'STOPPED',
  /** A broker or provider-log error it cannot get past: nothing after the last commit was committed. */
  FAILED: 'FAILED',
} as const
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState]

export interface ChannelWorkerOptions {
  readonly backend: KafkaBackend
  readonly channel: NotificationChannel
  readonly serdes: Pick<NotificationsSerdes, 'notification' | 'delivery' | 'deadLetter'>
  readonly topics?: Partial<NotificationsTopics>
  /** The worker's own consumer group; also the dead letters' application. Default `oxagry-notification-channels`. */
  readonly groupId?: string
  readonly clientId?: string
  /**
   * exactly_once (default): each partition has its transactional producer, and the outcomes and the
   * offset commit in one transaction. at_least_once: the offset is committed after the outcomes are
   * acknowledged; a crash in between sends again under the same key, which the provider answers as before.
   */
  readonly processingGuarantee?: 'exactly_once' | 'at_least_once'
  /** Sends the provider could not take are retried, doubling from baseMs up to maxMs, `attempts` calls in all. */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number; readonly attempts?: number }
  readonly logger?: Logger
  readonly metricsRegistry?: Registry
  /** Bound of stop(); ms. Default 30 s. */
  readonly shutdownTimeoutMs?: number
  readonly now?: () => number
}

export interface WorkerHealth {
  readonly live: boolean
  readonly ready: boolean
  readonly state: WorkerState
  /** Partitions owned now. */
  readonly partitions: number
  readonly lastError?: { readonly code: string; readonly message: string }
}

export interface ChannelWorker {
  health(): WorkerHealth
  readonly metrics: WorkerMetrics
  /** Resolves once the worker stopped or failed; never rejects. */
  readonly closed: Promise<{ readonly state: WorkerState; readonly error?: unknown }>
  /** Stops after the batch in hand (a send being retried is left uncommitted), leaves the group. */
  stop(): Promise<void>
}

/** The worker's options once checked. */
export interface ResolvedWorkerOptions {
  readonly topics: NotificationsTopics
  readonly groupId: string
  readonly clientId: string
  readonly exactlyOnce: boolean
  readonly baseMs: number
  readonly maxMs: number
  readonly attempts: number
  readonly shutdownTimeoutMs: number
}

const NAME = /^[A-Za-z0-9._-]+$/

/** Checks the options once, naming every problem. */
export function resolveWorkerOptions(options: ChannelWorkerOptions): ResolvedWorkerOptions {
  const problems: string[] = []
  const topics = resolveTopics(options.topics, problems)
  const groupId = options.groupId ?? 'oxagry-notification-channels'
  if (!NAME.test(groupId)) problems.push(`/worker/groupId must be letters, digits, ".", "_" or "-"`)
  const guarantee = options.processingGuarantee ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(`/worker/processingGuarantee must be exactly_once or at_least_once`)
  const baseMs = options.retry?.baseMs ?? 500
  const maxMs = options.retry?.maxMs ?? 30_000
  const attempts = options.retry?.attempts ?? 6
  if (!Number.isSafeInteger(baseMs) || baseMs < 1) problems.push('/worker/retry/baseMs must be >= 1')
  if (!Number.isSafeInteger(maxMs) || maxMs < baseMs) problems.push('/worker/retry/maxMs must be >= baseMs')
  if (!Number.isSafeInteger(attempts) || attempts < 1) problems.push('/worker/retry/attempts must be >= 1')
  for (const k of ['notification', 'delivery', 'deadLetter'] as const)
    if (typeof options.serdes?.[k]?.serialize !== 'function')
      problems.push(`/worker/serdes/${k} must be a Serde`)
  if (typeof options.channel?.send !== 'function')
    problems.push('/worker/channel must be a NotificationChannel')
  if (problems.length > 0) throw invalidOptions(problems)
  return {
    topics,
    groupId,
    clientId: options.clientId ?? groupId,
    exactlyOnce: guarantee === 'exactly_once',
    baseMs,
    maxMs,
    attempts,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
  }
}
