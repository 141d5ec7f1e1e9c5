import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { pino } from 'pino'
import { readConfig } from './config.ts'
import { startPlatform, type Platform } from './platform.ts'

async function start(parts: string): Promise<Platform> {
  const config = readConfig({
    PLATFORM_PARTS: parts,
    PORT: '0',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-parts-')),
    CLICKHOUSE_URL: 'chdb::memory:',
    SIMULATOR: 'off',
  })
  return startPlatform(config, pino({ level: 'silent' }))
}

const base = (platform: Platform): string => platform.urls.metrics.replace(/\/metrics$/, '')

test.serial('a process with some parts runs those and serves health and metrics, no API', async (t) => {
  const platform = await start('orders,payment-gateway,sink-stock,sink-clickhouse-pings')
  t.teardown(() => platform.close({ timeoutMs: 20_000 }))
  const health = platform.health()
  t.deepEqual(Object.keys(health.applications).sort(), ['orders', 'payment-gateway'])
  t.deepEqual(Object.keys(health.sinks).sort(), ['clickhouse-pings', 'stock'])
  t.is(platform.positions, undefined)
  t.is((await fetch(`${base(platform)}/health/live`)).status, 200)
  const metrics = await (await fetch(platform.urls.metrics)).text()
  t.regex(metrics, /oxagry_sink_/, 'the sinks’ metrics')
  t.regex(metrics, /oxagry_streams_/, 'the application’s metrics')
  t.is((await fetch(`${base(platform)}/api/v1/machines`)).status, 404)
  t.is((await fetch(`${base(platform)}/docs`)).status, 404)
})

test.serial(
  'a process with only the API serves both APIs over the views, and runs no application or sink',
  async (t) => {
    const platform = await start('api')
    t.teardown(() => platform.close({ timeoutMs: 20_000 }))
    const health = platform.health()
    t.deepEqual(health.applications, {})
    t.deepEqual(health.sinks, {})
    t.not(platform.positions, undefined)
    t.is((await fetch(`${platform.urls.api}?limit=5`)).status, 200)
    t.is((await fetch(`${base(platform)}/api/v1/orders/${randomUUID()}`)).status, 404)
    const bookings = await fetch(`${base(platform)}/api/v1/bookings/${randomUUID()}`)
    t.is(bookings.status, 404, 'the bookings view is served')
  },
)
