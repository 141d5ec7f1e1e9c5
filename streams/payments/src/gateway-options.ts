import {
  checkWorkerSettings,
  WorkerState,
  type KafkaBackend,
  type WorkerHealth,
  type WorkerSettings,
  type WorkerSettingsInput,
} from '@oxagry/kafka'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { invalidOptions } from './errors.ts'
import type { GatewayMetrics } from './gateway-metrics.ts'
import { resolveTopics, type PaymentsSerdes, type PaymentsTopics } from './options.ts'
import type { PaymentProvider } from './provider.ts'

/** The gateway's states: the transactional worker's (RETRYING: the provider is unavailable). */
export const GatewayState = WorkerState
export type GatewayState = WorkerState

/**
 * `instanceId` names this gateway in its transactional id under exactly-once per member: keep it across
 * the instance's restarts (`claimProcessId` of a directory of its own), and `commitIntervalMs` is how
 * long its transaction gathers commands (both the transactional worker's).
 */
export interface GatewayOptions extends Pick<WorkerSettingsInput, 'commitIntervalMs' | 'instanceId'> {
  readonly backend: KafkaBackend
  readonly provider: PaymentProvider
  readonly serdes: Pick<
    PaymentsSerdes,
    'paymentCommand' | 'paymentEvent' | 'deadLetter' | 'providerNotification'
  >
  readonly topics?: Partial<PaymentsTopics>
  /** The gateway's own consumer group; also the dead letters' application. Default `oxagry-payment-gateway`. */
  readonly groupId?: string
  readonly clientId?: string
  /**
   * exactly_once (default): a command's outcome and its offset commit in one transaction (the member's,
   * or its partition's on a backend without group metadata). at_least_once: the offset is committed after the outcome
   * is acknowledged; a crash in between writes the same events (same ids) again.
   */
  readonly processingGuarantee?: 'exactly_once' | 'at_least_once'
  /** Back-off of a call the provider could not answer: doubles from baseMs up to maxMs. */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number }
  readonly logger?: Logger
  readonly metricsRegistry?: Registry
  /** Bound of stop(); ms. Default 30 s. */
  readonly shutdownTimeoutMs?: number
}

export type GatewayHealth = WorkerHealth

export interface PaymentGateway {
  health(): GatewayHealth
  readonly metrics: GatewayMetrics
  /** Resolves once the gateway stopped or failed; never rejects. */
  readonly closed: Promise<{ readonly state: GatewayState; readonly error?: unknown }>
  /** Stops after the command in hand (a retried one is left uncommitted), leaves the group. */
  stop(): Promise<void>
}

/** The gateway's options once checked. */
export interface ResolvedGatewayOptions extends WorkerSettings {
  readonly topics: PaymentsTopics
}

/** Checks the options once, naming every problem. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  const problems: string[] = []
  const topics = resolveTopics(options.topics, problems)
  const settings = checkWorkerSettings(
    options,
    { groupId: 'oxagry-payment-gateway', baseMs: 200, maxMs: 30_000, attempts: Number.POSITIVE_INFINITY },
    '/gateway',
    problems,
  )
  for (const k of ['paymentCommand', 'paymentEvent', 'deadLetter', 'providerNotification'] as const)
    if (typeof options.serdes?.[k]?.serialize !== 'function')
      problems.push(`/gateway/serdes/${k} must be a Serde`)
  if (typeof options.provider?.authorise !== 'function')
    problems.push('/gateway/provider must be a PaymentProvider')
  if (problems.length > 0) throw invalidOptions(problems)
  return { ...settings, topics }
}
