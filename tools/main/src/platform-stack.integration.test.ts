import { randomUUID } from 'node:crypto'
import { eventually, integrationTest } from '@oxagry/testkit'
import { pino } from 'pino'
import WebSocket from 'ws'
import { readConfig } from './config.ts'
import { startPlatform } from './platform.ts'
import { localBearer, stackPlatformEnv } from './testing/stack-platform.ts'

// The same job on the stack's real services, isolated by a topic prefix.
const stack = await integrationTest('kafka', 'schemaRegistry', 'mongodb')

stack(
  'on the stack (Kafka, the registry, MongoDB, ClickHouse): positions show over REST and WebSocket within a bound',
  async (t) => {
    const prefix = `it-${randomUUID().slice(0, 8)}`
    const config = readConfig(stackPlatformEnv(prefix, { SIM_MACHINES: '10', SIM_RATE: '20' }))
    const headers = await localBearer(config, ['fleet:read'])
    const started = Date.now()
    const platform = await startPlatform(config, pino({ level: 'silent' }))
    t.is((await fetch(platform.urls.api)).status, 401, 'no token, no machines')
    t.teardown(() => platform.close({ timeoutMs: 30_000 }))
    t.regex(platform.services.readModel ?? '', /MongoDB/)
    const page = await eventually(
      async () => {
        const body = (await (await fetch(`${platform.urls.api}?limit=50`, { headers })).json()) as {
          machines: { machineId: string }[]
        }
        return body.machines.length >= 10 ? body : undefined
      },
      {
        timeoutMs: 45_000,
        what: 'all machines over REST',
        state: () => ({
          ...platform.health(),
          livePositions: [...(platform.positions?.latest() ?? [])].length,
        }),
      },
    )
    t.is(page.machines.length, 10)
    t.log(
      `all machines over REST (MongoDB read model) ${((Date.now() - started) / 1000).toFixed(1)} s after start`,
    )
    const ws = new WebSocket(platform.urls.live, { headers })
    const updates: unknown[] = []
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string }
      if (frame.type === 'update') updates.push(frame)
    })
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send(JSON.stringify({ type: 'subscribe', machineIds: page.machines.map((m) => m.machineId) }))
    await eventually(async () => (updates.length > 0 ? true : undefined), {
      timeoutMs: 15_000,
    })
    ws.close()
    t.true(updates.length > 0)
  },
)
