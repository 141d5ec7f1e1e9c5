import {
  checkWorkerSettings,
  type KafkaBackend,
  type WorkerClosed,
  type WorkerHealth,
  type WorkerSettings,
  type WorkerSettingsInput,
} from '@oxagry/kafka'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { NotificationChannel } from './channel.ts'
import { invalidOptions } from './errors.ts'
import { resolveTopics, type NotificationsSerdes, type NotificationsTopics } from './options.ts'
import type { WorkerMetrics } from './worker-metrics.ts'

/** The channel worker's states: the transactional worker's (RETRYING: a send is being retried). */
export { WorkerState, type WorkerHealth } from '@oxagry/kafka'

/** `instanceId` and `commitIntervalMs`: the transactional worker's, as the payment gateway has them. */
export interface ChannelWorkerOptions extends Pick<WorkerSettingsInput, 'commitIntervalMs' | 'instanceId'> {
  readonly backend: KafkaBackend
  readonly channel: NotificationChannel
  readonly serdes: Pick<NotificationsSerdes, 'notification' | 'delivery' | 'deadLetter'>
  readonly topics?: Partial<NotificationsTopics>
  /** The worker's own consumer group; also the dead letters' application. Default `oxagry-notification-channels`. */
  readonly groupId?: string
  readonly clientId?: string
  /**
   * exactly_once (default): the outcomes and the offset commit in one transaction (the member's, or
   * its partition's on a backend without group metadata). at_least_once: the offset is committed after the outcomes are
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

export interface ChannelWorker {
  health(): WorkerHealth
  readonly metrics: WorkerMetrics
  /** Resolves once the worker stopped or failed; never rejects. */
  readonly closed: Promise<WorkerClosed>
  /** Stops after the batch in hand (a send being retried is left uncommitted), leaves the group. */
  stop(): Promise<void>
}

/** The worker's options once checked. */
export interface ResolvedWorkerOptions extends WorkerSettings {
  readonly topics: NotificationsTopics
}

/** Checks the options once, naming every problem. */
export function resolveWorkerOptions(options: ChannelWorkerOptions): ResolvedWorkerOptions {
  const problems: string[] = []
  const topics = resolveTopics(options.topics, problems)
  const settings = checkWorkerSettings(
    options,
    { groupId: 'oxagry-notification-channels', baseMs: 500, maxMs: 30_000, attempts: 6 },
    '/worker',
    problems,
  )
  for (const k of ['notification', 'delivery', 'deadLetter'] as const)
    if (typeof options.serdes?.[k]?.serialize !== 'function')
      problems.push(`/worker/serdes/${k} must be a Serde`)
  if (typeof options.channel?.send !== 'function')
    problems.push('/worker/channel must be a NotificationChannel')
  if (problems.length > 0) throw invalidOptions(problems)
  return { ...settings, topics }
}
