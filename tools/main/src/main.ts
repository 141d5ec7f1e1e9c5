/**
 * `npm start`: the platform in one process. With no environment it runs on embedded defaults
 * (in-process broker and registry, chdb, PGlite); KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URL and
 * CLICKHOUSE_URL switch each part to the real service.
 */
import { exitOnError, shutdownOnSignals } from '@oxagry/streams'
import { closeTracingLast, startTracing, TracingError } from '@oxagry/tracing'
import { pino } from 'pino'
import { authBanner } from './api-auth.ts'
import { banner, startFailure } from './banner.ts'
import { ConfigError, readConfig } from './config.ts'
import { tracingServiceName } from './parts.ts'
import { platformFailures } from './failed-parts.ts'
import { startPlatform } from './platform.ts'

const logger = pino({ name: 'oxagry', level: process.env.LOG_LEVEL ?? 'warn' })

try {
  const config = readConfig(process.env)
  // The parts of this process share one SDK, exporting by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set:
  // `oxagry` with every part, else named after the parts (`oxagry-orders`), as its Kubernetes workload is.
  const tracing = startTracing({ serviceName: tracingServiceName(config.parts) })
  const platform = await startPlatform(config, logger)
  console.log(banner(platform, authBanner(config), tracing?.exportingTo))
  const failures = platformFailures(platform)
  const everything = closeTracingLast([platform], tracing)
  // Closing stops the watch first: parts stopping on the way out are not failures.
  const closing = [
    { close: (options?: { timeoutMs?: number }) => (failures.stop(), everything.close(options)) },
  ]
  shutdownOnSignals(closing, { timeoutMs: 30_000, logger })
  // A part failed for good ends the process with 1, for its supervisor to start it again.
  exitOnError([failures], closing, { timeoutMs: 30_000, logger })
} catch (error) {
  if (error instanceof ConfigError || error instanceof TracingError) {
    console.error(error.message)
    process.exit(2)
  }
  console.error(startFailure(error))
  process.exit(1)
}
