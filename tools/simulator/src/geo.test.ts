import test from 'ava'
import { containsLocal, destination, haversineMeters, localProjection, verticalExtent } from './geo.ts'
import { buildRegion, regionGeofences, roadRoute, SECTION_M } from './region.ts'
import { createRandom } from './random.ts'

test('haversine: one degree of latitude is about 111.2 km', (t) => {
  const d = haversineMeters({ latitude: 42, longitude: -93 }, { latitude: 43, longitude: -93 })
  t.true(Math.abs(d - 111_195) < 10, String(d))
})

test('destination and haversine agree', (t) => {
  const from = { latitude: 41.98, longitude: -93.66 }
  for (const bearing of [0, 45, 170, 300]) {
    const to = destination(from, bearing, 12_345)
    t.true(Math.abs(haversineMeters(from, to) - 12_345) < 0.01)
  }
})

test('the local projection round-trips within a millimetre', (t) => {
  const p = localProjection({ latitude: 41.98, longitude: -93.66 })
  const g = p.toGeo({ x: 5000, y: -3000 })
  const back = p.toLocal(g)
  t.true(Math.abs(back.x - 5000) < 1e-3 && Math.abs(back.y + 3000) < 1e-3)
  t.true(Math.abs(haversineMeters(p.origin, g) - Math.hypot(5000, 3000)) < 2)
})

test('point in an L-shaped polygon, and the vertical extent through its notch', (t) => {
  const ring = [
    { x: 10, y: 0 },
    { x: 20, y: 0 },
    { x: 20, y: 20 },
    { x: 0, y: 20 },
    { x: 0, y: 10 },
    { x: 10, y: 10 },
  ]
  t.true(containsLocal(ring, { x: 15, y: 5 }))
  t.true(containsLocal(ring, { x: 5, y: 15 }))
  t.false(containsLocal(ring, { x: 5, y: 5 }), 'the notch')
  t.false(containsLocal(ring, { x: 25, y: 5 }))
  t.deepEqual(verticalExtent(ring, 5), [10, 20])
  t.deepEqual(verticalExtent(ring, 15), [0, 20])
  t.is(verticalExtent(ring, 30), undefined)
})

test('the region: quarter-section fields, farmstead yards, no overlaps, closed rings not repeated', (t) => {
  const region = buildRegion({ sectionsEast: 2, sectionsNorth: 2 })
  t.is(region.fields.length, 16)
  t.is(region.yards.length, 2)
  const geofences = regionGeofences(region, 1)
  t.is(new Set(geofences.map((g) => g.geofenceId)).size, geofences.length)
  t.true(geofences.every((g) => g.boundary.length >= 3))
  const random = createRandom(1)
  for (let i = 0; i < 2000; i++) {
    const p = { x: random.between(0, 2 * SECTION_M), y: random.between(0, 2 * SECTION_M) }
    const inside = [...region.fields, ...region.yards].filter((a) => containsLocal(a.ring, p))
    t.true(inside.length <= 1)
  }
})

test('road routes follow the section grid', (t) => {
  const region = buildRegion()
  const route = roadRoute(region, { x: 100, y: 100 }, { x: 2500, y: 2000 })
  for (const p of route.slice(0, -1)) t.true(p.x % SECTION_M < 1e-6 || p.y % SECTION_M < 1e-6 || p.y === 0)
  t.deepEqual(route[route.length - 1], { x: 2500, y: 2000 })
})

test('the PRNG is deterministic and roughly uniform', (t) => {
  const a = createRandom(99)
  const b = createRandom(99)
  const xs = Array.from({ length: 10_000 }, () => a.next())
  t.deepEqual(
    xs,
    Array.from({ length: 10_000 }, () => b.next()),
  )
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  t.true(Math.abs(mean - 0.5) < 0.02)
  t.regex(createRandom(1).uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})
