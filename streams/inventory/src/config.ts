import {
  isKafkaClientName,
  KAFKA_CLIENTS,
  KafkaError,
  kafkaConnectionFromEnv,
  type KafkaClientName,
  type KafkaConnection,
} from '@oxagry/kafka'
import type { ProcessingGuarantee } from '@oxagry/streams'
import { INVENTORY_ERROR_CODES, InventoryError } from './errors.ts'

/** The service's environment, read once at start. */
export interface InventoryEnv {
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them (KAFKA_SASL_*, KAFKA_SSL_CA_FILE). */
  readonly kafka: KafkaConnection
  readonly kafkaClient: KafkaClientName
  readonly schemaRegistryUrl: string
  readonly applicationId: string
  readonly processingGuarantee: ProcessingGuarantee
  readonly expiryIntervalMs: number
  readonly httpPort: number
  readonly httpHost: string
}

/**
 * KAFKA_BROKERS (and the Kafka client's TLS/SASL variables), KAFKA_CLIENT (kafkajs or rdkafka),
 * SCHEMA_REGISTRY_URL, INVENTORY_APPLICATION_ID, PROCESSING_GUARANTEE (exactly_once unless said),
 * INVENTORY_EXPIRY_INTERVAL_MS, INVENTORY_HTTP_PORT, INVENTORY_HTTP_HOST; defaults are the local
 * stack's. Every bad value is reported, not just the first.
 */
export function readInventoryEnv(env: NodeJS.ProcessEnv = process.env): InventoryEnv {
  const problems: string[] = []
  let kafka: KafkaConnection | undefined
  try {
    kafka = kafkaConnectionFromEnv(env)
  } catch (error) {
    if (!(error instanceof KafkaError)) throw error
    problems.push(error.message)
  }
  const kafkaClient = env.KAFKA_CLIENT ?? 'kafkajs'
  if (!isKafkaClientName(kafkaClient))
    problems.push(
      `KAFKA_CLIENT must be one of ${KAFKA_CLIENTS.join(', ')}, got ${JSON.stringify(kafkaClient)}`,
    )
  const schemaRegistryUrl = env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
  if (!/^https?:\/\/\S+$/.test(schemaRegistryUrl))
    problems.push(`SCHEMA_REGISTRY_URL must be an http(s) URL, got ${JSON.stringify(schemaRegistryUrl)}`)
  const applicationId = env.INVENTORY_APPLICATION_ID ?? 'oxagry-inventory'
  if (!/^[A-Za-z0-9._-]+$/.test(applicationId))
    problems.push(
      `INVENTORY_APPLICATION_ID must be letters, digits, ".", "_" or "-", got ${JSON.stringify(applicationId)}`,
    )
  const guarantee = env.PROCESSING_GUARANTEE ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(
      `PROCESSING_GUARANTEE must be exactly_once or at_least_once, got ${JSON.stringify(guarantee)}`,
    )
  const expiryIntervalMs = Number(env.INVENTORY_EXPIRY_INTERVAL_MS ?? '1000')
  if (!Number.isInteger(expiryIntervalMs) || expiryIntervalMs < 1)
    problems.push(
      `INVENTORY_EXPIRY_INTERVAL_MS must be an integer >= 1, got ${JSON.stringify(env.INVENTORY_EXPIRY_INTERVAL_MS)}`,
    )
  const port = Number(env.INVENTORY_HTTP_PORT ?? '9465')
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(
      `INVENTORY_HTTP_PORT must be a port number (0-65535), got ${JSON.stringify(env.INVENTORY_HTTP_PORT)}`,
    )
  if (problems.length > 0 || kafka === undefined) {
    throw new InventoryError(
      INVENTORY_ERROR_CODES.INVALID_OPTIONS,
      `invalid environment:\n  ${problems.join('\n  ')}`,
      { context: { path: problems[0]?.split(' ')[0] ?? '' } },
    )
  }
  return {
    kafka,
    kafkaClient: kafkaClient as KafkaClientName,
    schemaRegistryUrl,
    applicationId,
    processingGuarantee: guarantee as ProcessingGuarantee,
    expiryIntervalMs,
    httpPort: port,
    httpHost: env.INVENTORY_HTTP_HOST ?? '0.0.0.0',
  }
}
