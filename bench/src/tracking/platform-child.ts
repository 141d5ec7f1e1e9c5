/**
 * The live-tracking slice under test in a process of its own: `startPlatform` of @oxagry/main
 * (tracking, the ClickHouse and read-model sinks, the API with the WebSocket feed), configured from the
 * environment the bench gives it (SIMULATOR=off: the bench's producer sends the pings).
 *
 * Prints `READY {"live": <ws url>, ...}` once tracking is ready, then `STATS {...}` every second:
 * memory and the event loop's delay over that second. Closes the platform on SIGTERM.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readConfig, startPlatform } from '@oxagry/main'
import { pino } from 'pino'

const logger = pino({ level: 'warn' }, pino.destination(2))
const config = readConfig(process.env)
const platform = await startPlatform(config, logger)

const deadline = Date.now() + 120_000
while (platform.health().applications.tracking?.ready !== true) {
  if (Date.now() > deadline) throw new Error(`tracking not ready: ${JSON.stringify(platform.health())}`)
  await new Promise((resolve) => setTimeout(resolve, 100))
}
console.log(
  `READY ${JSON.stringify({ live: platform.urls.live, services: platform.services, guarantee: config.processingGuarantee })}`,
)

const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
const stats = setInterval(() => {
  const memory = process.memoryUsage()
  const health = platform.health()
  console.log(
    `STATS ${JSON.stringify({
      at: Date.now(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      eventLoopP99Ms: delay.percentile(99) / 1e6,
      eventLoopMaxMs: delay.max / 1e6,
      tracking: health.applications.tracking?.state,
      sinks: Object.fromEntries(Object.entries(health.sinks).map(([name, h]) => [name, h.state])),
    })}`,
  )
  delay.reset()
}, 1000)

process.once('SIGTERM', () => {
  clearInterval(stats)
  void platform.close({ timeoutMs: 30_000 }).finally(() => process.exit(0))
})
