/**
 * `npm start`: the live-tracking slice in one process. With no environment it runs on embedded
 * defaults (in-process broker and registry, chdb, PGlite); KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
 * MONGODB_URL and CLICKHOUSE_URL switch each part to the real service.
 */
import { shutdownOnSignals } from '@oxagry/streams'
import { pino } from 'pino'
import { authBanner } from './api-auth.ts'
import { ConfigError, readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

const logger = pino({ name: 'oxagry', level: process.env.LOG_LEVEL ?? 'warn' })

try {
  const config = readConfig(process.env)
  const platform = await startPlatform(config, logger)
  // The banner says what the API does, not only what was configured: ask it without a token.
  const enforced = (await fetch(platform.urls.api, { signal: AbortSignal.timeout(5000) })).status === 401
  const auth =
    enforced || config.api.auth.mode === 'off'
      ? authBanner(config)
      : 'off: the platform does not pass the auth settings to the API yet, so it serves loopback clients only'
  const lines = [
    'oxagry is running',
    `  REST      ${platform.urls.api}`,
    `  docs      ${platform.urls.docs}`,
    `  live map  ${platform.urls.map}`,
    `  live feed ${platform.urls.live}`,
    `  metrics   ${platform.urls.metrics}`,
    `  auth      ${auth}`,
    ...Object.entries(platform.services).map(([name, where]) => `  ${name.padEnd(11)}${where}`),
  ]
  console.log(lines.join('\n'))
  shutdownOnSignals([platform], { timeoutMs: 30_000, logger })
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(2)
  }
  console.error(error)
  process.exit(1)
}
