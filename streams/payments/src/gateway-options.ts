import type { KafkaBackend } from '@oxagry/kafka'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { invalidOptions } from './errors.ts'
import type { GatewayMetrics } from './gateway-metrics.ts'
import { resolveTopics, type PaymentsSerdes, type PaymentsTopics } from './options.ts'
import type { PaymentProvider } from './provider.ts'

export const GatewayState = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  /** The provider is unavailable and the call is being retried: live, not ready. */
  RETRYING: 'RETRYING',
  STOPPING: 'STOPPING',
  STOPPED: 'STOPPED',
  /** A broker or ledger error it cannot get past: nothing after the last commit was committed. */
  FAILED: 'FAILED',
} as const
export type GatewayState = (typeof GatewayState)[keyof typeof GatewayState]

export interface GatewayOptions {
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
   * exactly_once (default): each partition has its transactional producer, and a command's outcome
   * and its offset commit in one transaction. at_least_once: the offset is committed after the outcome
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

export interface GatewayHealth {
  readonly live: boolean
  readonly ready: boolean
  readonly state: GatewayState
  /** Partitions owned now. */
  readonly partitions: number
  readonly lastError?: { readonly code: string; readonly message: string }
}

export interface PaymentGateway {
  health(): GatewayHealth
  readonly metrics: GatewayMetrics
  /** Resolves once the gateway stopped or failed; never rejects. */
  readonly closed: Promise<{ readonly state: GatewayState; readonly error?: unknown }>
  /** Stops after the command in hand (a retried one is left uncommitted), leaves the group. */
  stop(): Promise<void>
}

/** The gateway's options once checked. */
export interface ResolvedGatewayOptions {
  readonly topics: PaymentsTopics
  readonly groupId: string
  readonly clientId: string
  readonly exactlyOnce: boolean
  readonly baseMs: number
  readonly maxMs: number
  readonly shutdownTimeoutMs: number
}

const NAME = /^[A-Za-z0-9._-]+$/

/** Checks the options once, naming every problem. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  const problems: string[] = []
  const topics = resolveTopics(options.topics, problems)
  const groupId = options.groupId ?? 'oxagry-payment-gateway'
  if (!NAME.test(groupId)) problems.push(`/gateway/groupId must be letters, digits, ".", "_" or "-"`)
  const guarantee = options.processingGuarantee ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(`/gateway/processingGuarantee must be exactly_once or at_least_once`)
  const baseMs = options.retry?.baseMs ?? 200
  const maxMs = options.retry?.maxMs ?? 30_000
  if (!Number.isSafeInteger(baseMs) || baseMs < 1) problems.push('/gateway/retry/baseMs must be >= 1')
  if (!Number.isSafeInteger(maxMs) || maxMs < baseMs) problems.push('/gateway/retry/maxMs must be >= baseMs')
  for (const k of ['paymentCommand', 'paymentEvent', 'deadLetter', 'providerNotification'] as const)
    if (typeof options.serdes?.[k]?.serialize !== 'function')
      problems.push(`/gateway/serdes/${k} must be a Serde`)
  if (typeof options.provider?.authorise !== 'function')
    problems.push('/gateway/provider must be a PaymentProvider')
  if (problems.length > 0) throw invalidOptions(problems)
  return {
    topics,
    groupId,
    clientId: options.clientId ?? groupId,
    exactlyOnce: guarantee === 'exactly_once',
    baseMs,
    maxMs,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
  }
}
