/**
 * The WebSocket server of the memory benchmark in a process of its own, so its memory is its own: the
 * fleet API (`buildApp` of @oxagry/fleet-api, default live-feed options) over an in-memory
 * `LatestPositions` fed with synthetic positions of `--machines` machines at `--feed-rate` per second,
 * with empty machine, history and geofence ports.
 *
 * Every machine has a position from the start (the snapshot a client gets holds them all); the feed
 * starts once `--clients` clients are connected (or after `--feed-after-ms`), because a server busy
 * feeding hundreds of clients accepts new ones only slowly. Prints `READY {"url"}` once listening,
 * `FEED {"at"}` when the feed starts, and `MEMORY {...}` every second: process.memoryUsage(), the hub's
 * clients and counters, and the positions published so far. Stops on SIGTERM.
 */
import { buildApp, LatestPositions, type MachinePosition } from '@oxagry/fleet-api'
import { intFlag, parseFlags } from '../args.ts'
import { prng } from '../stats.ts'

const flags = parseFlags(process.argv.slice(2))
const machines = intFlag(flags, 'machines', 2000)
const feedRate = intFlag(flags, 'feed-rate', 5000)
const clients = intFlag(flags, 'clients', 1, 0)
const feedAfterMs = intFlag(flags, 'feed-after-ms', 300_000)

const positions = new LatestPositions()
const { app, hub } = await buildApp({
  machines: { get: async () => undefined, list: async () => ({ machines: [] }) },
  history: { track: async () => [], trips: async () => [] },
  geofences: { list: async () => [] },
  feed: positions,
  logger: false,
})
const address = await app.listen({ port: 0, host: '127.0.0.1' })

const random = prng(11)
const homes = Array.from({ length: machines }, () => ({
  latitude: 41.98 + random() * 0.1,
  longitude: -93.66 + random() * 0.1,
}))
function position(index: number, now: number): MachinePosition {
  const home = homes[index] as { latitude: number; longitude: number }
  return {
    machineId: `M-${String(index).padStart(5, '0')}`,
    eventTime: now,
    latitude: home.latitude + random() * 0.001,
    longitude: home.longitude + random() * 0.001,
    speedKmh: random() * 30,
    headingDegrees: random() * 360,
    accuracyMeters: 2 + random() * 3,
    engineState: 'RUNNING',
    fuelLevelPercent: random() * 100,
    geofenceIds: [],
  }
}

for (let i = 0; i < machines; i++) positions.publish(position(i, Date.now()))

let feed: NodeJS.Timeout | undefined
function startFeed(): void {
  // Paced by what is due since the start, so a busy event loop publishes in bigger bursts, not fewer.
  const started = Date.now()
  console.log(`FEED ${JSON.stringify({ at: started })}`)
  feed = setInterval(() => {
    const now = Date.now()
    const due = Math.floor(((now - started) * feedRate) / 1000)
    for (; published < due; published++) positions.publish(position(published % machines, now))
  }, 10)
}
let published = 0
const listening = Date.now()
const waiting = setInterval(() => {
  if (hub.stats().clients < clients && Date.now() - listening < feedAfterMs) return
  clearInterval(waiting)
  startFeed()
}, 100)

const report = setInterval(() => {
  const memory = process.memoryUsage()
  console.log(
    `MEMORY ${JSON.stringify({ at: Date.now(), rss: memory.rss, heapUsed: memory.heapUsed, published, ...hub.stats() })}`,
  )
}, 1000)
console.log(`READY ${JSON.stringify({ url: `${address.replace(/^http/, 'ws')}/ws/machines` })}`)

process.once('SIGTERM', () => {
  clearInterval(waiting)
  clearInterval(feed)
  clearInterval(report)
  void app.close().finally(() => process.exit(0))
})
