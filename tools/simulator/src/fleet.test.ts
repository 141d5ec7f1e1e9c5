import test from 'ava'
import { createFleet, type EmittedPing } from './fleet.ts'
import { haversineMeters } from './geo.ts'
import { SIM_ERROR_CODES } from './errors.ts'

const T0 = 1_700_000_000_000

function run(options: Parameters<typeof createFleet>[0], seconds: number, stepMs: number): EmittedPing[] {
  const fleet = createFleet({ startTimeMs: T0, ...options })
  const out: EmittedPing[] = []
  for (let t = 0; t <= seconds * 1000; t += stepMs) out.push(...fleet.tick(T0 + t))
  return out
}

test('the same seed gives the same pings, however time is cut into ticks', (t) => {
  const a = run({ machines: 20, ratePerSecond: 20, seed: 7 }, 600, 1000)
  const b = run({ machines: 20, ratePerSecond: 20, seed: 7 }, 600, 137)
  t.true(a.length > 10_000)
  t.deepEqual(b, a)
  const c = run({ machines: 20, ratePerSecond: 20, seed: 8 }, 600, 1000)
  t.notDeepEqual(c.slice(0, 50), a.slice(0, 50))
})

test('the fleet emits at the target rate', (t) => {
  const fleet = createFleet({ machines: 200, ratePerSecond: 1000, seed: 1, startTimeMs: T0 })
  let generated = 0
  for (let s = 0; s <= 60; s++)
    generated += fleet.tick(T0 + s * 1000).filter((p) => p.kind !== 'duplicate').length
  // Late and held pings are still in flight at the end; they are a few percent at most.
  t.true(generated > 60_000 * 0.97 && generated <= 61_000, `generated ${generated}`)
  t.is(fleet.intervalMs, 200)
})

test('bad data comes in the configured shares and is counted exactly', (t) => {
  const fleet = createFleet({
    machines: 50,
    ratePerSecond: 50,
    seed: 3,
    startTimeMs: T0,
    badData: { gpsJump: 0.02, outOfRange: 0.02, duplicate: 0.02, late: 0.02, outOfOrder: 0.02 },
  })
  const all: EmittedPing[] = []
  for (let s = 0; s <= 3600; s += 10) all.push(...fleet.tick(T0 + s * 1000))
  const counts = fleet.counts()
  const byKind = (k: string): number => all.filter((p) => p.kind === k).length
  for (const [kind, n] of Object.entries(counts)) t.is(byKind(kind), n, kind)
  const generated = all.length - counts.duplicate
  for (const kind of ['gpsJump', 'outOfRange', 'duplicate', 'late', 'outOfOrder'] as const) {
    const share = counts[kind] / generated
    t.true(share > 0.015 && share < 0.025, `${kind} share ${share}`)
  }
  // Duplicates repeat a ping already sent; jumps are far away; out-of-range is out of range.
  const sent = new Set<string>()
  for (const p of all) {
    if (p.kind === 'duplicate') t.true(sent.has(p.ping.pingId))
    else sent.add(p.ping.pingId)
    if (p.kind === 'outOfRange') t.true(Math.abs(p.ping.latitude) > 90 || Math.abs(p.ping.longitude) > 180)
  }
  const late = all.filter((p) => p.kind === 'late')
  t.true(late.every((p) => p.emittedAt - p.ping.eventTime >= 60_000))
})

test('clean machines move plausibly: no implied speed above 60 km/h between consecutive fixes', (t) => {
  const pings = run(
    {
      machines: 30,
      ratePerSecond: 30,
      seed: 5,
      badData: { gpsJump: 0, outOfRange: 0, duplicate: 0, late: 0, outOfOrder: 0 },
    },
    1800,
    5000,
  )
  const last = new Map<string, EmittedPing>()
  let moving = 0
  let off = 0
  for (const p of pings) {
    const prev = last.get(p.ping.machineId)
    if (prev !== undefined) {
      t.is(p.ping.sequence, prev.ping.sequence + 1)
      const kmh = (haversineMeters(prev.ping, p.ping) / (p.ping.eventTime - prev.ping.eventTime)) * 3600
      if (kmh > 60) t.fail(`${p.ping.machineId} at ${kmh} km/h`)
    }
    if (p.ping.speedKmh > 2) moving++
    if (p.ping.engineState === 'OFF') off++
    last.set(p.ping.machineId, p)
  }
  t.true(moving > pings.length * 0.2, `moving ${moving}/${pings.length}`)
  t.true(off > pings.length * 0.05, `off ${off}/${pings.length}`)
})

test('options are validated once, with the path in the message', (t) => {
  const e1 = t.throws(() => createFleet({ machines: 0 }))
  t.is((e1 as { code?: string }).code, SIM_ERROR_CODES.INVALID_OPTIONS)
  t.regex(e1.message, /\/options\/machines must be >= 1/)
  t.throws(() => createFleet({ badData: { late: 0.5 } }), { message: /\/options\/badData\/late/ })
  t.throws(() => createFleet({ speed: 3 } as never), { message: /\/options\/speed is not an option/ })
  t.throws(() => createFleet({ badData: { gpsJump: 0.2, outOfRange: 0.2, duplicate: 0.2 } }), {
    message: /add up to/,
  })
})
