import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ServiceEnvReader, type StreamsServiceEnv } from '@oxagry/streams'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import type { FraudOptions } from './options.ts'
import type { OutageWindow } from './simulated-provider.ts'

/** Which parts run in this process: the payments topology, the gateway worker, or both. */
export const PAYMENTS_ROLES = ['processor', 'gateway', 'both'] as const
export type PaymentsRole = (typeof PAYMENTS_ROLES)[number]

/** The service's environment, read once at start. */
export interface PaymentsEnv extends StreamsServiceEnv {
  readonly role: PaymentsRole
  readonly gatewayGroupId: string
  readonly fraud: FraudOptions
  readonly provider: {
    readonly ledgerPath: string
    readonly seed: string
    readonly declineRate: number
    readonly latencyMs: number
    readonly outages: readonly OutageWindow[]
    readonly pendingRate: number
    readonly pendingDelayMs: number
  }
  /** Where the simulated provider delivers its pending outcomes, when both are set. */
  readonly webhook?: { readonly url: string; readonly secret: string }
}

/**
 * What every streams service reads (KAFKA_*, SCHEMA_REGISTRY_URL, PROCESSING_GUARANTEE, STATE_DIR,
 * NUM_STANDBY_REPLICAS, PAYMENTS_APPLICATION_ID, PAYMENTS_HTTP_PORT, PAYMENTS_HTTP_HOST) and PAYMENTS_ROLE
 * (processor | gateway | both), PAYMENTS_GATEWAY_GROUP_ID, PAYMENTS_FRAUD_WINDOW_MS,
 * PAYMENTS_FRAUD_LIMIT_MINOR, PAYMENTS_FRAUD_LIMITS (`EUR=1000000,SEK=10000000`),
 * PAYMENTS_LEDGER_PATH, PAYMENTS_PROVIDER_SEED, PAYMENTS_PROVIDER_DECLINE_RATE,
 * PAYMENTS_PROVIDER_LATENCY_MS, PAYMENTS_PROVIDER_OUTAGES (`fromMs-toMs,...`, epoch ms),
 * PAYMENTS_PROVIDER_PENDING_RATE (0 to 1, default 0), PAYMENTS_PROVIDER_PENDING_DELAY_MS (2000), and
 * PAYMENTS_WEBHOOK_URL with PAYMENTS_WEBHOOK_SECRET (both or neither: where the simulated provider
 * delivers its pending outcomes, signed; a pending rate above 0 needs them). Defaults are
 * the local stack's. Every bad value is reported, not just the first.
 */
export function readPaymentsEnv(env: NodeJS.ProcessEnv = process.env): PaymentsEnv {
  const reader = new ServiceEnvReader(env)
  const problems = reader.problems
  const role = reader.oneOf('PAYMENTS_ROLE', PAYMENTS_ROLES, 'both')
  const service = reader.service({
    prefix: 'PAYMENTS',
    applicationId: 'oxagry-payments',
    httpPort: 9466,
    stateDir: '.state/payments',
  })
  const gatewayGroupId = reader.name('PAYMENTS_GATEWAY_GROUP_ID', 'oxagry-payment-gateway')
  const windowMs = reader.integer('PAYMENTS_FRAUD_WINDOW_MS', { min: 1 })
  const defaultLimitMinor = reader.integer('PAYMENTS_FRAUD_LIMIT_MINOR', { min: 1 })
  const limitsMinor: Record<string, number> = {}
  for (const pair of (env.PAYMENTS_FRAUD_LIMITS ?? '').split(',').filter((p) => p.trim() !== '')) {
    const match = /^\s*([A-Z]{3})=(\d+)\s*$/.exec(pair)
    if (match === null || !Number.isSafeInteger(Number(match[2])) || Number(match[2]) < 1)
      problems.push(`PAYMENTS_FRAUD_LIMITS must be CUR=minor[,CUR=minor], got ${JSON.stringify(pair)}`)
    else limitsMinor[match[1] as string] = Number(match[2])
  }
  const rateRaw = env.PAYMENTS_PROVIDER_DECLINE_RATE ?? '0.1'
  const declineRate = Number(rateRaw)
  if (rateRaw === '' || !(declineRate >= 0 && declineRate <= 1))
    problems.push(`PAYMENTS_PROVIDER_DECLINE_RATE must be between 0 and 1, got ${JSON.stringify(rateRaw)}`)
  const outages: OutageWindow[] = []
  for (const span of (env.PAYMENTS_PROVIDER_OUTAGES ?? '').split(',').filter((s) => s.trim() !== '')) {
    const match = /^\s*(\d+)-(\d+)\s*$/.exec(span)
    if (match === null || Number(match[1]) >= Number(match[2]))
      problems.push(
        `PAYMENTS_PROVIDER_OUTAGES must be fromMs-toMs[,fromMs-toMs] with from < to, got ${JSON.stringify(span)}`,
      )
    else outages.push({ fromMs: Number(match[1]), toMs: Number(match[2]) })
  }
  const latencyMs = reader.integer('PAYMENTS_PROVIDER_LATENCY_MS', { min: 0 }) ?? 0
  const pendingRaw = env.PAYMENTS_PROVIDER_PENDING_RATE ?? '0'
  const pendingRate = Number(pendingRaw)
  if (pendingRaw === '' || !(pendingRate >= 0 && pendingRate <= 1))
    problems.push(`PAYMENTS_PROVIDER_PENDING_RATE must be between 0 and 1, got ${JSON.stringify(pendingRaw)}`)
  const pendingDelayMs = reader.integer('PAYMENTS_PROVIDER_PENDING_DELAY_MS', { min: 0 }) ?? 2000
  const url = env.PAYMENTS_WEBHOOK_URL
  const secret = env.PAYMENTS_WEBHOOK_SECRET
  if ((url === undefined) !== (secret === undefined))
    problems.push('PAYMENTS_WEBHOOK_URL and PAYMENTS_WEBHOOK_SECRET go together: set both or neither')
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url))
    problems.push(`PAYMENTS_WEBHOOK_URL must be an http(s) URL, got ${JSON.stringify(url)}`)
  if (secret !== undefined && secret.length < 16)
    problems.push('PAYMENTS_WEBHOOK_SECRET must be at least 16 characters')
  if (pendingRate > 0 && url === undefined)
    problems.push(
      'PAYMENTS_PROVIDER_PENDING_RATE above 0 needs PAYMENTS_WEBHOOK_URL and PAYMENTS_WEBHOOK_SECRET: pending outcomes are delivered by webhook',
    )
  reader.check(
    (message, path) =>
      new PaymentsError(PAYMENTS_ERROR_CODES.INVALID_OPTIONS, message, { context: { path } }),
  )
  return {
    ...service,
    role,
    gatewayGroupId,
    fraud: {
      ...(windowMs === undefined ? {} : { windowMs }),
      ...(defaultLimitMinor === undefined ? {} : { defaultLimitMinor }),
      limitsMinor,
    },
    provider: {
      ledgerPath: env.PAYMENTS_LEDGER_PATH ?? join(tmpdir(), 'oxagry-payments', 'ledger.jsonl'),
      seed: env.PAYMENTS_PROVIDER_SEED ?? '1',
      declineRate,
      latencyMs,
      outages,
      pendingRate,
      pendingDelayMs,
    },
    ...(url !== undefined && secret !== undefined ? { webhook: { url, secret } } : {}),
  }
}
