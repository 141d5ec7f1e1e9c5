// The live map: Leaflet with the configured base tiles (optional: the fields and yards are vectors, so
// the map is useful with no tiles), machines from the WebSocket feed of the viewport, a panel for the
// selected machine, filters and alerts. Everything but the tiles loads from this server.
import { AlertLog, alertsFor } from './alerts.js'
import { apiGetter, takeToken } from './auth.js'
import { DetailsPanel } from './details.js'
import { clock, el } from './dom.js'
import { LiveFeed, viewportBox } from './feed.js'
import { FilterPanel } from './filters.js'
import { MachineLayer } from './machine-layer.js'
import { matches } from './machines.js'
import { FrameStats } from './perf.js'

const L = window.L

const token = takeToken()
const api = apiGetter(token)
const statusEl = document.getElementById('status')
const countEl = document.getElementById('count')
const perf = new FrameStats()
let updates = 0

const config = await (await fetch('/map/config.json')).json()
const map = L.map('map', { maxZoom: config.tiles.maxZoom, minZoom: 3, worldCopyJump: false })
map.attributionControl.setPrefix('Leaflet')
if (config.tiles.urlTemplate !== null)
  L.tileLayer(config.tiles.urlTemplate, {
    maxZoom: config.tiles.maxZoom,
    subdomains: config.tiles.subdomains,
    // Leaflet shows the attribution as markup: the configured text is escaped first.
    attribution: el('span', { textContent: config.tiles.attribution }).innerHTML,
  }).addTo(map)

const { geofences } = await api('/api/v1/geofences')
const geofenceNames = new Map(geofences.map((g) => [g.geofenceId, g.name]))
const geofenceLayer = L.featureGroup(
  geofences.map((g) => {
    const yard = g.kind === 'YARD'
    return L.polygon(
      g.boundary.map((p) => [p.latitude, p.longitude]),
      {
        color: yard ? '#6d4c41' : '#558b2f',
        weight: 1.5,
        fillColor: yard ? '#8d6e63' : '#689f38',
        fillOpacity: 0.3,
        interactive: false,
      },
    ).bindTooltip(g.name, { permanent: false, direction: 'center', className: 'geofence-label' })
  }),
).addTo(map)

const layer = new MachineLayer(map, perf)
const alerts = new AlertLog()
const alertsList = document.getElementById('alerts-list')
const details = new DetailsPanel({ map, api, onClose: () => select(null) })
const filters = new FilterPanel((filter) => {
  layer.setFilter(filter)
  const selected = layer.selected === null ? undefined : layer.get(layer.selected)
  if (selected !== undefined && !matches(filter, selected)) select(null)
  showCount()
})

function select(machineId) {
  layer.select(machineId)
  const machine = machineId === null ? undefined : layer.get(machineId)
  if (machine === undefined) details.hide()
  else void details.show(machine)
}

function showCount() {
  const shown = layer.shownCount()
  countEl.textContent = `${shown} of ${layer.entries.size} machines around the view`
  document.body.dataset.machines = String(layer.entries.size)
  document.body.dataset.shown = String(shown)
}

/** New alerts go on top and the oldest leave: rows already shown stay put, so they can be clicked. */
function renderAlerts(raised) {
  document.getElementById('alerts-count').textContent = String(alerts.total)
  alertsList.prepend(
    ...[...raised].reverse().map((a) =>
      el('li', {
        dataset: { kind: a.kind, machine: a.machineId },
        textContent: `${clock(a.at)} ${a.machineId} ${a.text}`,
      }),
    ),
  )
  while (alertsList.children.length > alerts.limit) alertsList.lastElementChild.remove()
}
alertsList.addEventListener('click', (event) => {
  const id = event.target.closest('li')?.dataset.machine
  const machine = id === undefined ? undefined : layer.get(id)
  if (machine === undefined) return
  map.panTo([machine.latitude, machine.longitude])
  select(id)
})

map.on('click', (event) => {
  const id = layer.hitTest(event.containerPoint)
  select(id ?? null)
})

const feed = new LiveFeed({
  token,
  onState: (state, message) => {
    statusEl.textContent =
      state === 'live' ? 'live' : state === 'closed' ? 'reconnecting…' : `error: ${message}`
    statusEl.dataset.state = state
  },
  onSnapshot: (machines) =>
    perf.measure('snapshot', () => {
      layer.replaceAll(machines)
      filters.learn(machines)
      if (!fitted && geofences.length === 0 && machines.length > 0) fitTo(machines)
      const selected = layer.selected === null ? undefined : layer.get(layer.selected)
      if (selected !== undefined) details.update(selected)
      showCount()
    }),
  onUpdate: (machines) =>
    perf.measure('update', () => {
      const raised = []
      for (const m of machines) {
        const found = alertsFor(layer.get(m.machineId), m, geofenceNames)
        if (found.length > 0) raised.push(...found)
        if (m.machineId === layer.selected) details.update(m)
      }
      layer.upsert(machines)
      filters.learn(machines)
      updates += machines.length
      document.body.dataset.updates = String(updates)
      if (alerts.add(raised)) renderAlerts(raised)
      showCount()
    }),
})

let fitted = false
function fitTo(machines) {
  fitted = true
  map.fitBounds(L.latLngBounds(machines.map((m) => [m.latitude, m.longitude])).pad(0.1))
}
map.on('moveend', () => feed.follow(viewportBox(map.getBounds())))
if (geofences.length > 0) {
  fitted = true
  map.fitBounds(geofenceLayer.getBounds().pad(0.05))
} else map.setView([0, 0], 3)
// Until the map has a viewport worth following (no geofences: the first snapshot's machines), all of it.
if (geofences.length === 0) feed.bbox = null
else feed.bbox = viewportBox(map.getBounds())
feed.connect()

/** What the browser test reads and drives. */
window.fleetMap = {
  map,
  layer,
  perf,
  alerts,
  get updates() {
    return updates
  },
  select,
}
