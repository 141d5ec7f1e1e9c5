import { KafkaError, kafkaConnectionFromEnv, type KafkaConnection } from '@oxagry/kafka'
import type { ProcessingGuarantee } from '@oxagry/streams'
import { TRACKING_ERROR_CODES, TrackingError } from './errors.ts'

/** The service's environment, read once at start. */
export interface TrackingEnv {
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them (KAFKA_SASL_*, KAFKA_SSL_CA_FILE). */
  readonly kafka: KafkaConnection
  readonly schemaRegistryUrl: string
  readonly applicationId: string
  readonly processingGuarantee: ProcessingGuarantee
  readonly httpPort: number
  readonly httpHost: string
}

/**
 * KAFKA_BROKERS (and the Kafka client's TLS/SASL variables), SCHEMA_REGISTRY_URL, TRACKING_APPLICATION_ID, PROCESSING_GUARANTEE, TRACKING_HTTP_PORT,
 * TRACKING_HTTP_HOST; defaults are the local stack's. Every bad value is reported, not just the first.
 */
export function readTrackingEnv(env: NodeJS.ProcessEnv = process.env): TrackingEnv {
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
  const applicationId = env.TRACKING_APPLICATION_ID ?? 'oxagry-tracking'
  if (!/^[A-Za-z0-9._-]+$/.test(applicationId))
    problems.push(
      `TRACKING_APPLICATION_ID must be letters, digits, ".", "_" or "-", got ${JSON.stringify(applicationId)}`,
    )
  const guarantee = env.PROCESSING_GUARANTEE ?? 'exactly_once'
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    problems.push(
      `PROCESSING_GUARANTEE must be exactly_once or at_least_once, got ${JSON.stringify(guarantee)}`,
    )
  const port = Number(env.TRACKING_HTTP_PORT ?? '9464')
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(
      `TRACKING_HTTP_PORT must be a port number (0-65535), got ${JSON.stringify(env.TRACKING_HTTP_PORT)}`,
    )
  if (problems.length > 0 || kafka === undefined) {
    throw new TrackingError(
      TRACKING_ERROR_CODES.INVALID_OPTIONS,
      `invalid environment:\n  ${problems.join('\n  ')}`,
      {
        context: { path: problems[0]?.split(' ')[0] ?? '' },
      },
    )
  }
  return {
    kafka,
    schemaRegistryUrl,
    applicationId,
    processingGuarantee: guarantee as ProcessingGuarantee,
    httpPort: port,
    httpHost: env.TRACKING_HTTP_HOST ?? '0.0.0.0',
  }
}
