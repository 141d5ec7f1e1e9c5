import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from '@oxagry/testkit'
import test from 'ava'
import { pino } from 'pino'
import WebSocket from 'ws'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'

// The embedded defaults are what `npm start` runs on a fresh machine: no service to reach.
test('npm start on embedded defaults: pings flow to REST, the live feed and ClickHouse within seconds', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-main-'))
  const config = readConfig({
    PORT: '0',
    STATE_DIR: stateDir,
    SIM_MACHINES: '20',
    SIM_RATE: '40',
    CLICKHOUSE_URL: 'chdb::memory:',
  })
  const started = Date.now()
  const platform = await startPlatform(config, pino({ level: 'silent' }))
  t.teardown(() => platform.close({ timeoutMs: 20_000 }))

  // REST: the read model (PGlite) has machines.
  const page = await eventually(
    async () => {
      const response = await fetch(`${platform.urls.api}?limit=50`)
      const body = (await response.json()) as { machines: { machineId: string }[] }
      return body.machines.length >= 10 ? body : undefined
    },
    { timeoutMs: 20_000 },
  )
  t.true(page.machines.length >= 10)
  const seconds = (Date.now() - started) / 1000
  t.log(`machines over REST ${seconds.toFixed(1)} s after start`)

  // The live feed: a snapshot, then updates as machines move.
  const ws = new WebSocket(platform.urls.live)
  const frames: { type: string; machines?: unknown[] }[] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as { type: string }))
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(JSON.stringify({ type: 'subscribe' }))
  await eventually(async () => (frames.some((f) => f.type === 'update') ? true : undefined), {
    timeoutMs: 10_000,
  })
  t.true((frames.find((f) => f.type === 'snapshot')?.machines?.length ?? 0) > 0)
  ws.close()

  // ClickHouse: the machine's track has points.
  const machineId = page.machines[0]?.machineId ?? ''
  const from = new Date(started - 60_000).toISOString()
  const to = new Date(Date.now() + 60_000).toISOString()
  const track = await eventually(
    async () => {
      const response = await fetch(`${platform.urls.api}/${machineId}/track?from=${from}&to=${to}`)
      const body = (await response.json()) as { points: unknown[] }
      return body.points.length > 0 ? body : undefined
    },
    { timeoutMs: 15_000 },
  )
  t.true(track.points.length > 0)

  // The geofences came through their topic; readiness follows the tracking job.
  const geofences = (await (await fetch(platform.urls.api.replace('/machines', '/geofences'))).json()) as {
    geofences: unknown[]
  }
  t.true(geofences.geofences.length > 0)
  t.is((await fetch(platform.urls.api.replace('/api/v1/machines', '/health/ready'))).status, 200)
})
