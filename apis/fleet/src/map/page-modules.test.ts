/**
 * The map page's logic that needs no browser (public/js: statuses, types, bookings, the filter, alerts,
 * the viewport box, percentiles), imported as the browser does, as plain ES modules. The browser test
 * covers the rest against a real Chromium.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import test from 'ava'
import { position } from '../testing.ts'
import type { MachinePosition } from '../ports.ts'

const PAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public', 'js')

/** A position as the page reads it: a booking may be partial (the page reads only some fields). */
type Machine = Omit<MachinePosition, 'booking'> & {
  booking?: { state: string; late?: boolean; fieldName?: string }
}
interface Filter {
  statuses: Set<string>
  types: Set<string>
  bookings: Set<string>
}
interface Alert {
  kind: string
  machineId: string
  at: number
  text: string
}

async function load<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(join(PAGE, file)).href)) as T
}
const machines = await load<{
  statusOf(m: Machine): string
  machineTypeOf(m: Machine): string
  bookingStateOf(m: Machine): string
  emptyFilter(): Filter
  matches(filter: Filter, m: Machine): boolean
  NO_BOOKING: string
}>('machines.js')
const alerts = await load<{
  alertsFor(previous: Machine | undefined, next: Machine, names: Map<string, string>): Alert[]
  AlertLog: new (limit?: number) => { add(alerts: Alert[]): boolean; entries: Alert[]; total: number }
}>('alerts.js')
const feed = await load<{
  viewportBox(bounds: unknown): { minLat: number; maxLat: number; minLon: number; maxLon: number }
}>('feed.js')
const perf = await load<{ percentiles(values: number[]): { median: number; p95: number; max: number } }>(
  'perf.js',
)

test("status is the read model's rule; type is the id's model until the feed carries one", (t) => {
  t.is(machines.statusOf(position('JD-8R-00001', { speedKmh: 12, engineState: 'OFF' })), 'moving')
  t.is(machines.statusOf(position('JD-8R-00001', { speedKmh: 0, engineState: 'IDLE' })), 'idle')
  t.is(machines.statusOf(position('JD-8R-00001', { speedKmh: 0, engineState: 'OFF' })), 'off')
  t.is(machines.statusOf(position('JD-8R-00001', { speedKmh: 0, engineState: 'STALLED' })), 'unknown')
  t.is(machines.machineTypeOf(position('CLAAS-LEX-00042')), 'CLAAS-LEX')
  t.is(machines.machineTypeOf(position('MF-8S-00042')), 'MF-8S')
  t.is(machines.machineTypeOf(position('tractor')), 'tractor')
  t.is(machines.machineTypeOf({ ...position('JD-8R-00001'), machineType: 'combine' }), 'combine')
})

test('bookings are data-driven: none in the feed, every machine is unbooked; a booking state filters', (t) => {
  const unbooked = position('JD-8R-00001')
  const booked: Machine = { ...position('JD-8R-00002'), booking: { state: 'en-route' } }
  t.is(machines.bookingStateOf(unbooked), machines.NO_BOOKING)
  t.is(machines.bookingStateOf(booked), 'en-route')
  const filter = machines.emptyFilter()
  t.true(machines.matches(filter, unbooked) && machines.matches(filter, booked), 'nothing hidden by default')
  filter.bookings.add(machines.NO_BOOKING)
  t.false(machines.matches(filter, unbooked))
  t.true(machines.matches(filter, booked))
  filter.types.add('JD-8R')
  t.false(machines.matches(filter, booked))
  const moving = machines.emptyFilter()
  moving.statuses.add('moving')
  t.false(machines.matches(moving, position('NH-T7-00003', { speedKmh: 5 })))
  t.true(machines.matches(moving, position('NH-T7-00003', { speedKmh: 0 })))
})

test('alerts: leaving a geofence, fuel falling below 15 %, a booking turning late; none on first sight', (t) => {
  const names = new Map([['F-1', 'North 40']])
  const inField = position('JD-8R-00001', { geofenceIds: ['F-1', 'Y-1'], fuelLevelPercent: 16 })
  t.deepEqual(alerts.alertsFor(undefined, inField, names), [])
  const out = position('JD-8R-00001', { eventTime: 1_700_000_001_000, geofenceIds: [], fuelLevelPercent: 14 })
  t.deepEqual(
    alerts.alertsFor(inField, out, names).map((a) => [a.kind, a.text, a.at]),
    [
      ['geofence-exit', 'left North 40', 1_700_000_001_000],
      ['geofence-exit', 'left Y-1', 1_700_000_001_000],
      ['low-fuel', 'fuel at 14%', 1_700_000_001_000],
    ],
  )
  t.deepEqual(
    alerts.alertsFor(out, { ...out, fuelLevelPercent: 10 }, names),
    [],
    'already low: no second alert',
  )
  const late: Machine = { ...out, booking: { state: 'en-route', late: true, fieldName: 'North 40' } }
  t.deepEqual(
    alerts.alertsFor(out, late, names).map((a) => a.text),
    ['late for North 40'],
  )
  t.deepEqual(alerts.alertsFor(late, late, names), [])
})

test('the alert log keeps the newest first, up to its limit, and counts them all', (t) => {
  const log = new alerts.AlertLog(3)
  const alert = (n: number): Alert => ({ kind: 'low-fuel', machineId: `M-${n}`, at: n, text: '' })
  t.false(log.add([]))
  t.true(log.add([alert(1), alert(2)]))
  t.true(log.add([alert(3), alert(4)]))
  t.deepEqual(
    log.entries.map((a) => a.at),
    [4, 3, 2],
  )
  t.is(log.total, 4)
})

test('the subscribed box is the viewport padded by a quarter, clamped to the globe', (t) => {
  const bounds = (south: number, west: number, north: number, east: number) => ({
    pad(ratio: number) {
      const dLat = (north - south) * ratio
      const dLon = (east - west) * ratio
      return bounds(south - dLat, west - dLon, north + dLat, east + dLon)
    },
    getSouth: () => south,
    getNorth: () => north,
    getWest: () => west,
    getEast: () => east,
  })
  const box = feed.viewportBox(bounds(41.9, -93.7, 42.1, -93.5))
  const expected = { minLat: 41.85, maxLat: 42.15, minLon: -93.75, maxLon: -93.45 }
  for (const [edge, value] of Object.entries(expected))
    t.true(Math.abs(box[edge as keyof typeof box] - value) < 1e-9, `${edge} ${box[edge as keyof typeof box]}`)
  t.deepEqual(feed.viewportBox(bounds(-80, -200, 80, 200)), {
    minLat: -90,
    maxLat: 90,
    minLon: -180,
    maxLon: 180,
  })
})

test('percentiles of frame times: median, p95 and max; zeros when nothing was measured', (t) => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1)
  t.deepEqual(perf.percentiles(values), { median: 51, p95: 96, max: 100 })
  t.deepEqual(perf.percentiles([]), { median: 0, p95: 0, max: 0 })
})
