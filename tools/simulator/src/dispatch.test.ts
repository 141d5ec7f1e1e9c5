import test from 'ava'
import { createFleet } from './fleet.ts'
import { containsLocal } from './geo.ts'

const T0 = Date.UTC(2026, 5, 1, 6)
const MINUTE = 60_000

test('a dispatched machine waits, enters the booked field about when it is due, works in it and leaves', (t) => {
  const noBadData = { gpsJump: 0, outOfRange: 0, late: 0, outOfOrder: 0, duplicate: 0 }
  const fleet = createFleet({ machines: 6, ratePerSecond: 6, seed: 3, startTimeMs: T0, badData: noBadData })
  fleet.tick(T0)
  const machineId = fleet.machineIds[2] as string
  const field = fleet.region.fields[fleet.region.fields.length - 1]
  if (field === undefined) return t.fail('the region has fields')
  const arriveAt = T0 + 45 * MINUTE
  t.true(fleet.dispatch(machineId, field.geofenceId, arriveAt))
  t.false(fleet.dispatch('NO-SUCH-00001', field.geofenceId, arriveAt))
  t.false(fleet.dispatch(machineId, 'gf-nowhere', arriveAt))
  const pings: { at: number; kmh: number; inside: boolean }[] = []
  for (let at = T0; at <= T0 + 120 * MINUTE; at += 10_000)
    for (const { ping } of fleet.tick(at))
      if (ping.machineId === machineId)
        pings.push({
          at: ping.eventTime,
          kmh: ping.speedKmh,
          inside: containsLocal(field.ring, fleet.region.projection.toLocal(ping)),
        })
  const inField = pings.filter((p) => p.inside)
  const first = inField[0]?.at ?? Infinity
  t.true(Math.abs(first - arriveAt) < 2 * MINUTE, `entered at ${(first - T0) / MINUTE} min, due at 45`)
  t.true(
    inField.some((p) => p.kmh >= 1),
    'it works the field (moves inside it)',
  )
  t.true((inField[inField.length - 1]?.at ?? 0) < T0 + 120 * MINUTE, 'and leaves')
})
