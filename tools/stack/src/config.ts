import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Pinned versions of what the stack runs. Changing one invalidates its cache entry. */
export const VERSIONS = {
  kafka: '4.3.1',
  apicurio: '3.0.9',
  ferretdb: 'v1.24.0',
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
} as const

export const HOST = '127.0.0.1'

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
