import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  KafkaError,
  isKafkaClientName,
  kafkaConnectionFromEnv,
  type KafkaClientName,
  type KafkaConnection,
} from '@oxagry/kafka'
import type { ProcessingGuarantee } from '@oxagry/streams'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import type { FraudOptions } from './options.ts'
import type { OutageWindow } from './simulated-provider.ts'

/** Which parts run in this process: the payments topology, the gateway worker, or both. */
export const PAYMENTS_ROLES = ['processor', 'gateway', 'both'] as const
export type PaymentsRole = (typeof PAYMENTS_ROLES)[number]

/** The service's environment, read once at start. */
export interface PaymentsEnv {
  readonly role: PaymentsRole
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them (KAFKA_SASL_*, KAFKA_SSL_CA_FILE). */
  readonly kafka: KafkaConnection
  readonly kafkaClient: KafkaClientName
  readonly schemaRegistryUrl: string
  readonly applicationId: string
  readonly gatewayGroupId: string
  readonly processingGuarantee: ProcessingGuarantee
  readonly fraud: FraudOptions
  readonly provider: {
    readonly ledgerPath: string
    readonly seed: string
    readonly declineRate: number
    readonly latencyMs: number
    readonly outages: readonly OutageWindow[]
  }
  readonly httpPort: number
  readonly httpHost: string
}

const NAME = /^[A-Za-z0-9._-]+$/

/**
 * PAYMENTS_ROLE (processor | gateway | both), KAFKA_BROKERS (and the client's TLS/SASL variables),
 * KAFKA_CLIENT, SCHEMA_REGISTRY_URL, PAYMENTS_APPLICATION_ID, PAYMENTS_GATEWAY_GROUP_ID,
 * PROCESSING_GUARANTEE, PAYMENTS_FRAUD_WINDOW_MS, PAYMENTS_FRAUD_LIMIT_MINOR, PAYMENTS_FRAUD_LIMITS
 * (`EUR=1000000,SEK=10000000`), PAYMENTS_LEDGER_PATH, PAYMENTS_PROVIDER_SEED,
 * PAYMENTS_PROVIDER_DECLINE_RATE, PAYMENTS_PROVIDER_LATENCY_MS, PAYMENTS_PROVIDER_OUTAGES
 * (`fromMs-toMs,...`, epoch ms), PAYMENTS_HTTP_PORT, PAYMENTS_HTTP_HOST. Defaults are the local
 * stack's. Every bad value is reported, not just the first.
 */
export function readPaymentsEnv(env: NodeJS.ProcessEnv = process.env): PaymentsEnv {
  const problems: string[] = []
  let kafka: KafkaConnection | undefined
  try {
    kafka = kafkaConnectionFromEnv(env)
  } catch (error) {
    if (!(error instanceof KafkaError)) throw error
    problems.push(error.message)
  }
  const role = env.PAYMENTS_ROLE ?? 'both'
  if (!(PAYMENTS_ROLES as readonly string[]).includes(role))
    problems.push(`PAYMENTS_ROLE must be one of ${PAYMENTS_ROLES.join(', ')}, got ${JSON.stringify(role)}`)
  const kafkaClient = env.KAFKA_CLIENT ?? 'kafkajs'
  if (!isKafkaClientName(kafkaClient))
    problems.push(`KAFKA_CLIENT must be kafkajs or rdkafka, got ${JSON.stringify(kafkaClient)}`)
  const schemaRegistryUrl = env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
  if (!/^https?:\/\/\S+$/.test(schemaRegistryUrl))
    problems.push(`SCHEMA_REGISTRY_URL must be an http(s) URL, got ${JSON.stringify(schemaRegistryUrl)}`)
  const name = (variable: string, fallback: string): string => {
    const value = env[variable] ?? fallback
    if (!NAME.test(value))
      problems.push(`${variable} must be letters, digits, ".", "_" or "-", got ${JSON.stringify(value)}`)
    return value
  }
  const applicationId = name('PAYMENTS_APPLICATION_ID', 'oxagry-payments')
  const gatewayGroupId = name('PAYMENTS_GATEWAY_GROUP_ID', 'oxagry-payment-gateway')
  const guarantee = env.PROCESSING_GUARANTEE ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(
      `PROCESSING_GUARANTEE must be exactly_once or at_least_once, got ${JSON.stringify(guarantee)}`,
    )
  const integer = (variable: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = env[variable]
    if (raw === undefined || raw === '') return undefined
    const n = Number(raw)
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${variable} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
      return undefined
    }
    return n
  }
  const windowMs = integer('PAYMENTS_FRAUD_WINDOW_MS', 1)
  const defaultLimitMinor = integer('PAYMENTS_FRAUD_LIMIT_MINOR', 1)
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
  const port = integer('PAYMENTS_HTTP_PORT', 0, 65_535) ?? 9466
  if (problems.length > 0 || kafka === undefined) {
    throw new PaymentsError(
      PAYMENTS_ERROR_CODES.INVALID_OPTIONS,
      `invalid environment:\n  ${problems.join('\n  ')}`,
      {
        context: { path: problems[0]?.split(' ')[0] ?? '' },
      },
    )
  }
  return {
    role: role as PaymentsRole,
    kafka,
    kafkaClient: kafkaClient as KafkaClientName,
    schemaRegistryUrl,
    applicationId,
    gatewayGroupId,
    processingGuarantee: guarantee as ProcessingGuarantee,
    fraud: {
      ...(windowMs === undefined ? {} : { windowMs }),
      ...(defaultLimitMinor === undefined ? {} : { defaultLimitMinor }),
      limitsMinor,
    },
    provider: {
      ledgerPath: env.PAYMENTS_LEDGER_PATH ?? join(tmpdir(), 'oxagry-payments', 'ledger.jsonl'),
      seed: env.PAYMENTS_PROVIDER_SEED ?? '1',
      declineRate,
      latencyMs: integer('PAYMENTS_PROVIDER_LATENCY_MS', 0) ?? 0,
      outages,
    },
    httpPort: port,
    httpHost: env.PAYMENTS_HTTP_HOST ?? '0.0.0.0',
  }
}
