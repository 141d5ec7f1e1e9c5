import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  stackPaths,
  stackPorts,
  stackServices,
  type StackPaths,
  type StackPorts,
  type StackService,
} from '@oxagry/stack'
import { FAULTS_ERROR_CODES, FaultsError } from './errors.ts'

/** The services a fault stops and starts again (ClickHouse is chdb, in-process: see clickhouse-fault.ts). */
export const STOPPABLE = {
  kafka: 'kafka',
  registry: 'registry',
  postgres: 'postgres',
  mongodb: 'ferretdb',
} as const
export type Stoppable = keyof typeof STOPPABLE

/** Where the suite's clients find the private stack's services. */
export interface StackUrls {
  readonly brokers: readonly string[]
  readonly registryUrl: string
  readonly postgresUrl: string
  readonly mongodbUrl: string
}

/**
 * A stack of the suite's own: the local stack's services (tools/stack, the same cache) on other ports
 * and in a state directory of its own, so stopping its broker or a store touches no one else's.
 */
export interface PrivateStack {
  readonly urls: StackUrls
  readonly paths: StackPaths
  readonly ports: StackPorts
  /** Stops one service as an outage would: its process ends, its port refuses connections. */
  stop(service: Stoppable): Promise<void>
  /** Starts it again and resolves once it is healthy; ms it took. */
  start(service: Stoppable): Promise<number>
  /** Stops everything and removes the state. */
  close(): Promise<void>
}

export function urlsOf(ports: StackPorts): StackUrls {
  return {
    brokers: [`127.0.0.1:${ports.kafka}`],
    registryUrl: `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
    postgresUrl: `postgres://oxagry@127.0.0.1:${ports.postgres}/oxagry`,
    mongodbUrl: `mongodb://127.0.0.1:${ports.mongodb}/`,
  }
}

export async function startPrivateStack(
  portBase: number,
  report: (line: string) => void,
): Promise<PrivateStack> {
  const ports = stackPorts({ STACK_PORT_BASE: String(portBase) })
  const paths = stackPaths({ ...process.env, STACK_DIR: mkdtempSync(join(tmpdir(), 'oxagry-faults-stack-')) })
  // Prometheus watches a stack; the suite reads its own probes, so the private stack runs without it.
  const services = new Map(
    stackServices(ports)
      .filter((s) => s.name !== 'prometheus')
      .map((s) => [s.name, s]),
  )
  const service = (name: Stoppable): StackService => {
    const found = services.get(STOPPABLE[name])
    if (found === undefined)
      throw new FaultsError(FAULTS_ERROR_CODES.STACK_FAILED, `the stack has no ${STOPPABLE[name]}`)
    return found
  }
  const close = async (): Promise<void> => {
    await Promise.allSettled([...services.values()].map((s) => s.stop(paths)))
    // As root PostgreSQL may keep its cluster outside a state directory it cannot enter.
    const location = join(paths.state, 'postgres', 'data-location')
    if (existsSync(location))
      rmSync(dirname(readFileSync(location, 'utf8').trim()), { recursive: true, force: true })
    rmSync(paths.state, { recursive: true, force: true })
  }
  try {
    for (const s of services.values()) await s.install(paths)
    const started = Date.now()
    await Promise.all([...services.values()].map((s) => s.start(paths)))
    report(
      `private stack up on ports ${portBase}-${portBase + 5} in ${Date.now() - started} ms (${paths.state})`,
    )
  } catch (error) {
    await close()
    throw new FaultsError(
      FAULTS_ERROR_CODES.STACK_FAILED,
      `the private stack did not come up: ${String(error)}`,
      {
        cause: error,
        canRetry: true,
      },
    )
  }
  return {
    urls: urlsOf(ports),
    paths,
    ports,
    stop: async (name) => {
      await service(name).stop(paths)
    },
    start: async (name) => {
      const started = Date.now()
      await service(name).start(paths)
      return Date.now() - started
    },
    close,
  }
}

/**
 * What the machine lacks to run a private stack (the JDK, Maven, Go and PostgreSQL's server, as
 * tools/stack/install-system.sh installs them); undefined when nothing is missing.
 */
export function missingPrerequisites(): string | undefined {
  const commands = ['java', 'mvn', 'go'].filter(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status !== 0,
  )
  const root = '/usr/lib/postgresql'
  const postgres =
    existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'postgres')))
  const missing = [...commands, ...(postgres ? [] : ['PostgreSQL server'])]
  return missing.length === 0
    ? undefined
    : `the private stack needs ${missing.join(', ')} (tools/stack/install-system.sh)`
}
