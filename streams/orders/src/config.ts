import {
  isKafkaClientName,
  KafkaError,
  kafkaConnectionFromEnv,
  type KafkaClientName,
  type KafkaConnection,
} from '@oxagry/kafka'
import type { ProcessingGuarantee } from '@oxagry/streams'
import { ORDERS_ERROR_CODES, OrdersError } from './errors.ts'
import { DEFAULT_ORDERS_TIMEOUTS, type OrdersTimeouts } from './options.ts'

/** The service's environment, read once at start. */
export interface OrdersEnv {
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them (KAFKA_SASL_*, KAFKA_SSL_CA_FILE). */
  readonly kafka: KafkaConnection
  /** KAFKA_CLIENT: kafkajs (default) or rdkafka. */
  readonly client: KafkaClientName
  readonly schemaRegistryUrl: string
  readonly applicationId: string
  readonly processingGuarantee: ProcessingGuarantee
  readonly stateDir: string
  readonly timeouts: OrdersTimeouts
  readonly httpPort: number
  readonly httpHost: string
}

const MS_VARIABLES: Record<keyof OrdersTimeouts, string> = {
  validationTimeoutMs: 'ORDERS_VALIDATION_TIMEOUT_MS',
  paymentDeadlineMs: 'ORDERS_PAYMENT_DEADLINE_MS',
  reservationTtlMs: 'ORDERS_RESERVATION_TTL_MS',
  punctuateEveryMs: 'ORDERS_PUNCTUATE_EVERY_MS',
}

/**
 * KAFKA_BROKERS (and the Kafka client's TLS/SASL variables), SCHEMA_REGISTRY_URL,
 * ORDERS_APPLICATION_ID, PROCESSING_GUARANTEE, STATE_DIR, ORDERS_*_MS, ORDERS_HTTP_PORT,
 * ORDERS_HTTP_HOST; defaults are the local stack's. Every bad value is reported, not just the first.
 */
export function readOrdersEnv(env: NodeJS.ProcessEnv = process.env): OrdersEnv {
  const problems: string[] = []
  let kafka: KafkaConnection | undefined
  try {
    kafka = kafkaConnectionFromEnv(env)
  } catch (error) {
    if (!(error instanceof KafkaError)) throw error
    problems.push(error.message)
  }
  const schemaRegistryUrl = env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
  if (!/^https?:\/\/\S+$/.test(schemaRegistryUrl))
    problems.push(`SCHEMA_REGISTRY_URL must be an http(s) URL, got ${JSON.stringify(schemaRegistryUrl)}`)
  const applicationId = env.ORDERS_APPLICATION_ID ?? 'oxagry-orders'
  if (!/^[A-Za-z0-9._-]+$/.test(applicationId))
    problems.push(
      `ORDERS_APPLICATION_ID must be letters, digits, ".", "_" or "-", got ${JSON.stringify(applicationId)}`,
    )
  const guarantee = env.PROCESSING_GUARANTEE ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(
      `PROCESSING_GUARANTEE must be exactly_once or at_least_once, got ${JSON.stringify(guarantee)}`,
    )
  const client = env.KAFKA_CLIENT ?? 'kafkajs'
  if (!isKafkaClientName(client))
    problems.push(`KAFKA_CLIENT must be kafkajs or rdkafka, got ${JSON.stringify(client)}`)
  const timeouts = { ...DEFAULT_ORDERS_TIMEOUTS }
  for (const [field, variable] of Object.entries(MS_VARIABLES) as [keyof OrdersTimeouts, string][]) {
    const raw = env[variable]
    if (raw === undefined) continue
    const value = Number(raw)
    if (!Number.isInteger(value) || value <= 0)
      problems.push(`${variable} must be a positive whole number of milliseconds, got ${JSON.stringify(raw)}`)
    else timeouts[field] = value
  }
  const port = Number(env.ORDERS_HTTP_PORT ?? '9465')
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(
      `ORDERS_HTTP_PORT must be a port number (0-65535), got ${JSON.stringify(env.ORDERS_HTTP_PORT)}`,
    )
  if (problems.length > 0 || kafka === undefined || !isKafkaClientName(client))
    throw new OrdersError(
      ORDERS_ERROR_CODES.INVALID_OPTIONS,
      `invalid environment:\n  ${problems.join('\n  ')}`,
      {
        path: problems[0]?.split(' ')[0] ?? '',
      },
    )
  return {
    kafka,
    schemaRegistryUrl,
    applicationId,
    client,
    processingGuarantee: guarantee as ProcessingGuarantee,
    stateDir: env.STATE_DIR ?? '.state/orders',
    timeouts,
    httpPort: port,
    httpHost: env.ORDERS_HTTP_HOST ?? '127.0.0.1',
  }
}
