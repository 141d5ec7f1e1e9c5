import { readFileSync } from 'node:fs'
import { KAFKA_ERROR_CODES, KafkaError } from './errors.ts'

/** The SASL mechanisms the platform's clients speak (Strimzi's KafkaUser gives SCRAM-SHA-512). */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const
export type SaslMechanism = (typeof SASL_MECHANISMS)[number]

export interface SaslSettings {
  readonly mechanism: SaslMechanism
  readonly username: string
  readonly password: string
}

export interface TlsSettings {
  /** PEM of the CA that signed the brokers' certificates (the cluster CA's `ca.crt`); system CAs when absent. */
  readonly ca?: string
}

/**
 * How every client of the platform reaches Kafka: bootstrap brokers, and TLS and SASL when the cluster
 * asks for them. Defined once here; each backend turns it into its client's settings.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[]
  readonly tls?: TlsSettings
  readonly sasl?: SaslSettings
}

export const DEFAULT_BROKERS = '127.0.0.1:9092'
const BROKER = /^[^,\s:]+:\d{1,5}$/

function invalid(setting: string, message: string): KafkaError {
  return new KafkaError(KAFKA_ERROR_CODES.INVALID_CONFIG, `${setting} ${message}`, { context: { setting } })
}

/** `host:port[,host:port...]` as a list; a typed error naming `setting` otherwise. */
export function parseBrokers(list: string, setting = 'KAFKA_BROKERS'): string[] {
  const brokers = list.split(',').map((b) => b.trim())
  if (brokers.length === 0 || !brokers.every((b) => BROKER.test(b)))
    throw invalid(setting, `must be host:port[,host:port], got ${JSON.stringify(list)}`)
  return brokers
}

/**
 * The connection the environment describes, in the shape of a Strimzi KafkaUser's secret and the
 * cluster CA's: `KAFKA_BROKERS`, `KAFKA_SASL_MECHANISM` with `KAFKA_SASL_USERNAME` and
 * `KAFKA_SASL_PASSWORD` (all three or none), `KAFKA_SSL_CA_FILE` (TLS with that CA) or `KAFKA_SSL=true`
 * (TLS with the system's CAs). Every problem is a typed error naming the variable.
 */
export function kafkaConnectionFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  { brokers = env.KAFKA_BROKERS ?? DEFAULT_BROKERS }: { brokers?: string } = {},
): KafkaConnection {
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase()
  const username = env.KAFKA_SASL_USERNAME
  const password = env.KAFKA_SASL_PASSWORD
  let sasl: SaslSettings | undefined
  if (mechanism !== undefined || username !== undefined || password !== undefined) {
    if (mechanism === undefined || !(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      throw invalid('KAFKA_SASL_MECHANISM', `must be one of ${SASL_MECHANISMS.join(', ')} (any case)`)
    if (username === undefined || username === '')
      throw invalid('KAFKA_SASL_USERNAME', 'is required with SASL')
    if (password === undefined || password === '')
      throw invalid('KAFKA_SASL_PASSWORD', 'is required with SASL')
    sasl = { mechanism: mechanism as SaslMechanism, username, password }
  }
  let tls: TlsSettings | undefined
  const caFile = env.KAFKA_SSL_CA_FILE
  if (caFile !== undefined && caFile !== '') {
    try {
      tls = { ca: readFileSync(caFile, 'utf8') }
    } catch (error) {
      throw invalid('KAFKA_SSL_CA_FILE', `cannot be read: ${(error as Error).message}`)
    }
  } else if (env.KAFKA_SSL !== undefined && env.KAFKA_SSL !== '') {
    if (env.KAFKA_SSL !== 'true' && env.KAFKA_SSL !== 'false')
      throw invalid('KAFKA_SSL', 'must be true or false')
    if (env.KAFKA_SSL === 'true') tls = {}
  }
  return {
    brokers: parseBrokers(brokers),
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  }
}

/** Where a connection goes, for messages and logs: the brokers and how it authenticates, never the password. */
export function describeConnection(connection: KafkaConnection): string {
  const how = [connection.tls === undefined ? 'plaintext' : 'TLS']
  if (connection.sasl !== undefined)
    how.push(`SASL ${connection.sasl.mechanism} as ${connection.sasl.username}`)
  return `${connection.brokers.join(',')} (${how.join(', ')})`
}
