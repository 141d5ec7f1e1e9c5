import { connect } from 'node:net'

/** The real services integration tests talk to, and where the local stack puts them by default. */
export const SERVICE_DEFAULTS = {
  kafka: { env: 'KAFKA_BROKERS', value: '127.0.0.1:9092' },
  /** The stack's SASL_SSL listener (SCRAM-SHA-512, ACLs enforced), beside the plain one above. */
  kafkaSecure: { env: 'KAFKA_SECURE_BROKERS', value: '127.0.0.1:9094' },
  schemaRegistry: { env: 'SCHEMA_REGISTRY_URL', value: 'http://127.0.0.1:8081/apis/ccompat/v7' },
  postgres: { env: 'POSTGRES_URL', value: 'postgres://oxagry@127.0.0.1:5432/oxagry' },
  mongodb: { env: 'MONGODB_URL', value: 'mongodb://127.0.0.1:27017/' },
  clickhouse: { env: 'CLICKHOUSE_URL', value: 'chdb::memory:' },
  /** The broker's metrics: the stack's JMX exporter agent, with the cluster's rules. */
  kafkaMetrics: { env: 'KAFKA_METRICS_URL', value: 'http://127.0.0.1:9404/metrics' },
} as const

export type ServiceName = keyof typeof SERVICE_DEFAULTS

/** A service's address as the environment sets it, else the local stack's. */
export function serviceUrl(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const { env: key, value } = SERVICE_DEFAULTS[name]
  const set = env[key]
  return set !== undefined && set !== '' ? set : value
}

/** Kafka bootstrap servers from `KAFKA_BROKERS` (comma-separated). */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return serviceUrl('kafka', env)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** True when a missing service must fail the run instead of skipping its tests. */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.REQUIRE_SERVICES === '1'
}

export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** The TCP endpoint a service URL points at, or undefined for an in-process one (chdb). */
export function endpointOf(name: ServiceName, url: string): Endpoint | undefined {
  if (name === 'kafka' || name === 'kafkaSecure') {
    const [first] = url.split(',')
    const [host, port] = (first ?? '').trim().split(':')
    return { host: host || '127.0.0.1', port: Number(port || 9092) }
  }
  if (name === 'clickhouse' && url.startsWith('chdb:')) return undefined
  const u = new URL(url)
  const defaults: Record<string, number> = {
    'http:': 80,
    'https:': 443,
    'postgres:': 5432,
    'postgresql:': 5432,
    'mongodb:': 27017,
  }
  return { host: u.hostname, port: Number(u.port || defaults[u.protocol] || 0) }
}

/** Resolves true when something accepts a TCP connection at the endpoint within the timeout. */
export function canConnect(endpoint: Endpoint, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}
