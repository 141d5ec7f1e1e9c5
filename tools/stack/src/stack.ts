import { mkdirSync } from 'node:fs'
import { stackPorts, type StackPaths, type StackPorts } from './config.ts'
import type { ServiceStatus, StackService } from './service.ts'
import { ClickHouseService } from './services/clickhouse.ts'
import { FerretDbService } from './services/ferretdb.ts'
import { KafkaService } from './services/kafka.ts'
import { PostgresService } from './services/postgres.ts'
import { PrometheusService } from './services/prometheus.ts'
import { RegistryService } from './services/registry.ts'

/** The stack's services on its ports (`STACK_PORT_BASE` moves them all; see {@link stackPorts}). */
export function stackServices(ports: StackPorts = stackPorts()): StackService[] {
  const kafka = new KafkaService({
    plain: ports.kafka,
    controller: ports.kafkaController,
    secure: ports.kafkaSecure,
    metrics: ports.kafkaMetrics,
  })
  return [
    kafka,
    new RegistryService(ports.registry),
    new PostgresService(ports.postgres),
    new FerretDbService(ports.mongodb),
    new ClickHouseService(),
    new PrometheusService({ brokerMetricsUrl: kafka.metricsUrl() }, ports.prometheus),
  ]
}

export type Reporter = (line: string) => void

/**
 * Installs (from the cache when it can), starts and waits for every service. Maven fetches run one at a
 * time so they do not race on the local repository; starts run side by side.
 */
export async function up(paths: StackPaths, report: Reporter): Promise<void> {
  mkdirSync(paths.state, { recursive: true })
  mkdirSync(paths.cache, { recursive: true })
  const services = stackServices()
  for (const service of services) {
    const started = Date.now()
    await service.install(paths)
    report(`${service.name}: installed (${Date.now() - started} ms)`)
  }
  const results = await Promise.allSettled(
    services.map(async (service) => {
      const started = Date.now()
      const outcome = await service.start(paths)
      report(
        `${service.name}: ${outcome === 'started' ? 'started' : 'already up'} (${Date.now() - started} ms)`,
      )
    }),
  )
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failures.length > 0)
    throw new AggregateError(
      failures.map((f) => f.reason),
      'the stack did not come up',
    )
}

/** Stops every service; resolves the names of those that were running. */
export async function down(paths: StackPaths, report: Reporter): Promise<void> {
  const services = stackServices().reverse()
  const results = await Promise.allSettled(
    services.map(async (service) => {
      const stopped = await service.stop(paths)
      if (stopped) report(`${service.name}: stopped`)
    }),
  )
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failures.length > 0)
    throw new AggregateError(
      failures.map((f) => f.reason),
      'the stack did not stop cleanly',
    )
}

export async function status(paths: StackPaths): Promise<ServiceStatus[]> {
  return Promise.all(stackServices().map((s) => s.status(paths)))
}

export function formatStatus(rows: readonly ServiceStatus[]): string {
  const lines = rows.map((r) => [
    r.name,
    r.state,
    r.pid === undefined ? '-' : String(r.pid),
    r.address,
    r.detail ?? '',
  ])
  const header = ['service', 'state', 'pid', 'address', 'detail']
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  return [header, ...lines]
    .map((cols) =>
      cols
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
