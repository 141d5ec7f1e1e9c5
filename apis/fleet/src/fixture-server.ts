/**
 * The fleet API on in-memory data seeded with a few machines, tracks, trips and a field: what the
 * schemathesis run in CI tests against (`tools/schemathesis/run.sh`). Authentication is on, with a fresh
 * local key; listens on 127.0.0.1 (`PORT`, 0 by default: any free port) and prints `token <jwt>` (every
 * scope) and then `listening <url>` once it serves. `FIXTURE_FLEET=2000` serves instead a fleet of that
 * many machines each moving every second (the map's browser test's), and prints the map's address.
 */
import { createLocalKey, localAuthSettings, mintToken } from '@oxagry/api-auth'
import { buildApp, FLEET_SCOPES } from './app.ts'
import { FixtureFleet } from './fixture-fleet.ts'
import { LatestPositions } from './live/latest-positions.ts'
import type { HistoryQueries } from './ports.ts'
import { InMemoryMachines, position } from './testing.ts'

const feed = new LatestPositions()
const engines = ['RUNNING', 'IDLE', 'OFF', 'UNKNOWN'] as const
for (let m = 0; m < 12; m++) {
  feed.publish(
    position(`MF-${m}`, {
      latitude: 41.9 + m * 0.001,
      longitude: -93.6 - m * 0.001,
      engineState: engines[m % engines.length] ?? 'RUNNING',
      speedKmh: m % 3 === 0 ? 12 : 0,
    }),
  )
}
const known = (id: string): boolean => [...feed.latest()].some((p) => p.machineId === id)

const history: HistoryQueries = {
  track: async (id, from, to, limit) =>
    known(id)
      ? Array.from({ length: Math.min(limit, 5) }, (_, i) => ({
          pingId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          sequence: i,
          eventTime: from + ((to - from) * i) / 5,
          latitude: 41.9 + i * 0.0001,
          longitude: -93.6,
          speedKmh: 10,
          headingDegrees: i === 0 ? null : 90,
          engineState: 'RUNNING',
        }))
      : [],
  trips: async (id, from, to) =>
    known(id)
      ? [
          {
            sessionId: `${id}-trip`,
            kind: 'TRIP',
            state: 'CLOSED',
            startedAt: from,
            endedAt: Math.min(to, from + 3_600_000),
            distanceMeters: 1200,
            maxSpeedKmh: 18,
            startLatitude: 41.9,
            startLongitude: -93.6,
            endLatitude: 41.91,
            endLongitude: -93.61,
            pingCount: 240,
            fuelUsedPercent: null,
          },
        ]
      : [],
}

const fleetSize = process.env.FIXTURE_FLEET === undefined ? undefined : Number(process.env.FIXTURE_FLEET)
if (fleetSize !== undefined && !(Number.isSafeInteger(fleetSize) && fleetSize >= 1 && fleetSize <= 100_000)) {
  console.error(`FIXTURE_FLEET=${process.env.FIXTURE_FLEET}: must be an integer from 1 to 100000`)
  process.exit(2)
}
const moving = fleetSize === undefined ? undefined : new FixtureFleet(fleetSize)
let mover: NodeJS.Timeout | undefined
if (moving !== undefined) {
  for (const p of moving.positions(Date.now())) feed.publish(p)
  mover = setInterval(() => {
    for (const p of moving.positions(Date.now())) feed.publish(p)
  }, 1000)
}

const key = await createLocalKey()
const { app } = await buildApp({
  auth: localAuthSettings(key),
  // Schemathesis sends thousands of requests with one token.
  security: { rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } },
  machines: new InMemoryMachines(() => feed.latest()),
  history: moving?.history ?? history,
  geofences:
    moving !== undefined
      ? { list: async () => [...moving.geofences] }
      : {
          list: async () => [
            {
              geofenceId: 'F-1',
              name: 'North 40',
              kind: 'FIELD',
              boundary: [
                { latitude: 41.9, longitude: -93.62 },
                { latitude: 41.9, longitude: -93.6 },
                { latitude: 41.91, longitude: -93.6 },
              ],
            },
          ],
        },
  feed,
})
const url = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
const token = await mintToken(key, { subject: 'schemathesis', scopes: Object.values(FLEET_SCOPES) })
console.log(`token ${token}`)
console.log(`listening ${url}`)
if (moving !== undefined) console.log(`map ${url}/map/#token=${token}`)
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    clearInterval(mover)
    void app.close().then(() => process.exit(0))
  })
