// The selected machine: its details (kept live from the feed), its last hour's trail from the track API
// drawn on the map, and its trips today. The booking row shows only when the feed carries a booking.
import { el, clock } from './dom.js'
import { bookingStateOf, machineTypeOf, NO_BOOKING, statusOf } from './machines.js'

const L = window.L
const HOUR_MS = 3_600_000

export class DetailsPanel {
  constructor({ map, api, onClose }) {
    this.map = map
    this.api = api
    this.section = document.getElementById('details')
    this.title = document.getElementById('details-title')
    this.fields = document.getElementById('details-fields')
    this.trailNote = document.getElementById('details-trail')
    this.trips = document.getElementById('details-trips')
    map.createPane('trail').style.zIndex = '440'
    this.trail = L.polyline([], { pane: 'trail', color: '#d50000', weight: 3, opacity: 0.8 }).addTo(map)
    this.machineId = null
    document.getElementById('details-close').addEventListener('click', () => onClose())
  }

  async show(machine) {
    const id = machine.machineId
    this.machineId = id
    this.section.hidden = false
    this.section.dataset.machine = id
    this.update(machine)
    this.trail.setLatLngs([])
    this.trailNote.textContent = 'loading the last hour…'
    this.trips.replaceChildren()
    const now = Date.now()
    const midnight = new Date(now).setHours(0, 0, 0, 0)
    const path = `/api/v1/machines/${encodeURIComponent(id)}`
    const range = (from) => `from=${new Date(from).toISOString()}&to=${new Date(now + 1).toISOString()}`
    const [track, trips] = await Promise.allSettled([
      this.api(`${path}/track?${range(now - HOUR_MS)}&limit=10000`),
      this.api(`${path}/trips?${range(midnight)}&limit=100`),
    ])
    if (this.machineId !== id) return
    if (track.status === 'fulfilled') {
      const points = track.value.points
      this.trail.setLatLngs(points.map((p) => [p.latitude, p.longitude]))
      this.trailNote.textContent = `trail: ${points.length} points in the last hour`
      this.section.dataset.trailPoints = String(points.length)
    } else this.trailNote.textContent = `trail unavailable: ${track.reason.message}`
    if (trips.status === 'fulfilled') {
      const list = trips.value.trips
      this.trips.replaceChildren(
        ...(list.length === 0
          ? [el('li', { textContent: 'none yet' })]
          : list.map((t) =>
              el('li', {
                textContent: `${clock(Date.parse(t.startedAt))}–${clock(Date.parse(t.endedAt))}, ${(t.distanceMeters / 1000).toFixed(1)} km, max ${Math.round(t.maxSpeedKmh)} km/h`,
              }),
            )),
      )
      this.section.dataset.trips = String(list.length)
    } else this.trips.replaceChildren(el('li', { textContent: `trips unavailable: ${trips.reason.message}` }))
  }

  /** A newer position of the selected machine. */
  update(m) {
    if (m.machineId !== this.machineId) return
    this.title.textContent = m.machineId
    const rows = [
      ['Type', machineTypeOf(m)],
      ['Status', statusOf(m)],
      ['Engine', m.engineState],
      ['Speed', `${m.speedKmh.toFixed(1)} km/h`],
      ['Heading', m.headingDegrees === null ? '—' : `${Math.round(m.headingDegrees)}°`],
      ['Fuel', m.fuelLevelPercent === null ? '—' : `${Math.round(m.fuelLevelPercent)}%`],
      [
        'Position',
        `${m.latitude.toFixed(5)}, ${m.longitude.toFixed(5)} (±${Math.round(m.accuracyMeters)} m)`,
      ],
      ['In', m.geofenceIds.length === 0 ? '—' : m.geofenceIds.join(', ')],
      ['Seen', clock(m.eventTime)],
    ]
    if (bookingStateOf(m) !== NO_BOOKING)
      rows.push(['Booking', `${m.booking.bookingId ?? ''} ${bookingStateOf(m)}`.trim()])
    this.fields.replaceChildren(
      ...rows.flatMap(([name, value]) => [el('dt', { textContent: name }), el('dd', { textContent: value })]),
    )
  }

  hide() {
    this.machineId = null
    this.section.hidden = true
    delete this.section.dataset.machine
    delete this.section.dataset.trailPoints
    delete this.section.dataset.trips
    this.trail.setLatLngs([])
  }
}
