import {
  DEFAULT_KAFKA_CLIENT,
  isKafkaClientName,
  KAFKA_CLIENTS,
  KafkaError,
  kafkaConnectionFromEnv,
  type KafkaClientName,
  type KafkaConnection,
} from '@oxagry/kafka'
import type { ProcessingGuarantee, StreamsConfig } from './config.ts'

/** What every streams service reads from its environment, whatever it processes. */
export interface StreamsServiceEnv {
  /** Brokers, and TLS and SASL as `@oxagry/kafka` reads them (KAFKA_SASL_*, KAFKA_SSL_CA_FILE). */
  readonly kafka: KafkaConnection
  /** KAFKA_CLIENT: kafkajs (default) or rdkafka. */
  readonly kafkaClient: KafkaClientName
  readonly schemaRegistryUrl: string
  /** `<PREFIX>_APPLICATION_ID`: the consumer group, the prefix of internal topics and of transactional ids. */
  readonly applicationId: string
  /** PROCESSING_GUARANTEE: exactly_once unless said. */
  readonly processingGuarantee: ProcessingGuarantee
  /** STATE_DIR: where persistent stores and their checkpoints live. */
  readonly stateDir: string
  /** NUM_STANDBY_REPLICAS: warm copies of each task's stores (`num.standby.replicas`); 0 unless said. */
  readonly numStandbyReplicas: number
  /** `<PREFIX>_HTTP_PORT` and `<PREFIX>_HTTP_HOST`: health and metrics. */
  readonly httpPort: number
  readonly httpHost: string
}

/** One service's defaults: its variables' prefix and what it uses when a variable is unset. */
export interface StreamsServiceDefaults {
  /** `ORDERS` reads ORDERS_APPLICATION_ID, ORDERS_HTTP_PORT, ORDERS_HTTP_HOST. */
  readonly prefix: string
  readonly applicationId: string
  readonly httpPort: number
  readonly stateDir: string
  /** 0.0.0.0 unless said: probes and Prometheus reach the pod's address. */
  readonly httpHost?: string
}

/**
 * The runtime's settings a service's environment gives (STATE_DIR, NUM_STANDBY_REPLICAS), for the
 * service's `streams` options: one place, so a variable read is a variable used.
 */
export function serviceStreamsConfig(
  env: StreamsServiceEnv,
): Pick<StreamsConfig, 'stateDir' | 'numStandbyReplicas'> {
  return { stateDir: env.stateDir, numStandbyReplicas: env.numStandbyReplicas }
}

const NAME = /^[A-Za-z0-9._-]+$/
export const DEFAULT_SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8081/apis/ccompat/v7'

/**
 * Reads a service's environment once, collecting every bad value rather than stopping at the
 * first, so one start names all of them. The service adds its own variables with the same reader
 * and then calls {@link ServiceEnvReader.check}, which throws its own typed error.
 */
export class ServiceEnvReader {
  readonly problems: string[] = []

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The settings every streams service shares (see {@link StreamsServiceEnv}). */
  service(defaults: StreamsServiceDefaults): StreamsServiceEnv {
    const { prefix } = defaults
    let kafka: KafkaConnection | undefined
    try {
      kafka = kafkaConnectionFromEnv(this.env)
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error
      this.problems.push(error.message)
    }
    const kafkaClient = this.oneOf('KAFKA_CLIENT', KAFKA_CLIENTS, DEFAULT_KAFKA_CLIENT)
    const schemaRegistryUrl = this.env.SCHEMA_REGISTRY_URL ?? DEFAULT_SCHEMA_REGISTRY_URL
    if (!/^https?:\/\/\S+$/.test(schemaRegistryUrl))
      this.problems.push(
        `SCHEMA_REGISTRY_URL must be an http(s) URL, got ${JSON.stringify(schemaRegistryUrl)}`,
      )
    const processingGuarantee = this.oneOf(
      'PROCESSING_GUARANTEE',
      ['exactly_once', 'at_least_once'] as const,
      'exactly_once',
    )
    return {
      // Placeholders stand in only while problems are pending: check() throws before they are used.
      kafka: kafka ?? { brokers: [] },
      kafkaClient: isKafkaClientName(kafkaClient) ? kafkaClient : DEFAULT_KAFKA_CLIENT,
      schemaRegistryUrl,
      applicationId: this.name(`${prefix}_APPLICATION_ID`, defaults.applicationId),
      processingGuarantee,
      stateDir: this.text('STATE_DIR', defaults.stateDir),
      numStandbyReplicas: this.integer('NUM_STANDBY_REPLICAS', { min: 0 }) ?? 0,
      httpPort: this.integer(`${prefix}_HTTP_PORT`, { min: 0, max: 65_535 }) ?? defaults.httpPort,
      httpHost: this.text(`${prefix}_HTTP_HOST`, defaults.httpHost ?? '0.0.0.0'),
    }
  }

  /** A non-empty string, or the fallback when unset. */
  text(variable: string, fallback: string): string {
    const value = this.env[variable] ?? fallback
    if (value === '') this.problems.push(`${variable} must not be empty`)
    return value
  }

  /** A name Kafka accepts in group, topic and transactional ids. */
  name(variable: string, fallback: string): string {
    const value = this.env[variable] ?? fallback
    if (!NAME.test(value))
      this.problems.push(`${variable} must be letters, digits, ".", "_" or "-", got ${JSON.stringify(value)}`)
    return value
  }

  /** One of the allowed values, or the fallback when unset. */
  oneOf<T extends string>(variable: string, allowed: readonly T[], fallback: T): T {
    const value = this.env[variable] ?? fallback
    if ((allowed as readonly string[]).includes(value)) return value as T
    this.problems.push(`${variable} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
    return fallback
  }

  /** A whole number within bounds; undefined when unset (or bad, with the problem recorded). */
  integer(variable: string, bounds: { min: number; max?: number }): number | undefined {
    const raw = this.env[variable]
    if (raw === undefined || raw === '') return undefined
    const max = bounds.max ?? Number.MAX_SAFE_INTEGER
    const value = Number(raw)
    if (!Number.isSafeInteger(value) || value < bounds.min || value > max) {
      this.problems.push(
        `${variable} must be a whole number from ${bounds.min} to ${max}, got ${JSON.stringify(raw)}`,
      )
      return undefined
    }
    return value
  }

  /**
   * Throws what `fail` builds when any value was bad: one message listing every problem, and the
   * first bad variable's name as the path.
   */
  check(fail: (message: string, path: string) => Error): void {
    if (this.problems.length === 0) return
    throw fail(`invalid environment:\n  ${this.problems.join('\n  ')}`, this.problems[0]?.split(' ')[0] ?? '')
  }
}
