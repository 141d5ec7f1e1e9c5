import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { STACK_ERROR_CODES, StackError } from './errors.ts'

/** Pinned versions of what the stack runs. Changing one invalidates its cache entry. */
export const VERSIONS = {
  kafka: '4.3.1',
  apicurio: '3.0.9',
  ferretdb: 'v1.24.0',
  /** The Prometheus JMX exporter's Java agent on the broker (Maven Central), as Strimzi runs it. */
  jmxExporter: '1.0.1',
} as const

/** Loopback ports, the defaults the integration tests look for. */
export const PORTS = {
  kafka: 9092,
  kafkaController: 9093,
  /** Kafka's SASL_SSL listener: SCRAM-SHA-512 users, TLS with the stack's CA, ACLs enforced. */
  kafkaSecure: 9094,
  registry: 8081,
  postgres: 5432,
  mongodb: 27017,
  /** The broker's metrics: the JMX exporter agent inside Kafka's JVM, with the cluster's rules. */
  kafkaMetrics: 9404,
  /** Prometheus (Debian's package), scraping the broker and what registers itself in its targets folder. */
  prometheus: 9090,
} as const

export const HOST = '127.0.0.1'

/** The loopback ports one stack listens on. */
export type StackPorts = { readonly [K in keyof typeof PORTS]: number }

/** Each port's place after `STACK_PORT_BASE`: a second stack takes eight consecutive ports. */
const PORT_OFFSETS: StackPorts = {
  kafka: 0,
  kafkaController: 1,
  kafkaSecure: 2,
  registry: 3,
  postgres: 4,
  mongodb: 5,
  kafkaMetrics: 6,
  prometheus: 7,
}

/**
 * The ports of the stack `env` names: the defaults, or with `STACK_PORT_BASE` eight consecutive ports
 * from it (Kafka, its controller, its SASL_SSL listener, the registry, PostgreSQL, MongoDB, the broker's
 * metrics, Prometheus), so a second
 * stack with its own `STACK_DIR` runs beside the first and touches nothing of it.
 */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const raw = env.STACK_PORT_BASE
  if (raw === undefined || raw === '') return PORTS
  const base = Number(raw)
  if (!Number.isInteger(base) || base < 1024 || base > 65_535 - 7)
    throw new StackError(
      STACK_ERROR_CODES.INVALID_CONFIG,
      'stack',
      `STACK_PORT_BASE must be an integer from 1024 to 65528, got ${JSON.stringify(raw)}`,
    )
  return Object.fromEntries(
    Object.entries(PORT_OFFSETS).map(([name, offset]) => [name, base + offset]),
  ) as unknown as StackPorts
}

/** The package's own folder (pom.xml, the FerretDB main). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The repository root. */
export const REPO_DIR = resolve(PACKAGE_DIR, '..', '..')

export interface StackPaths {
  /** Logs, data and pid files of one stack: `STACK_DIR`, else `.stack/` in the repository. */
  readonly state: string
  /** Downloads and builds kept across clones: `STACK_CACHE_DIR`, else `~/.cache/oxagry-stack`. */
  readonly cache: string
}

export function stackPaths(env: NodeJS.ProcessEnv = process.env): StackPaths {
  const cacheRoot = env.XDG_CACHE_HOME ?? join(homedir(), '.cache')
  return {
    state: resolve(env.STACK_DIR ?? join(REPO_DIR, '.stack')),
    cache: resolve(env.STACK_CACHE_DIR ?? join(cacheRoot, 'oxagry-stack')),
  }
}
